//! The UI's language and the organisation's timezone, and every string and date the UI shows.
//! Strings live only in uk.json and en.json (flat keys); `t()` reads reactive state, so a
//! template that calls it re-renders when the language changes.

import uk from './uk.json';
import en from './en.json';
import { formatDate, formatDateTime, formatMoment, formatSize, formatTime } from '../format/format';
import type { TicketStatus } from '../types/bindings';

export type Lang = 'uk' | 'en';
export type MessageKey = keyof typeof uk;
export type Params = Record<string, string | number>;

// `satisfies` makes a key missing from en.json a type error; the test checks both ways.
const catalogs: Record<Lang, Record<MessageKey, string>> = {
  uk,
  en: en satisfies Record<MessageKey, string>,
};

export const DEFAULT_TIMEZONE = 'Europe/Kyiv';

export function parseLang(s: string | null | undefined): Lang {
  return s?.toLowerCase().startsWith('en') ? 'en' : 'uk';
}

/** Fills `{name}` placeholders. */
export function interpolate(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

class I18n {
  lang = $state<Lang>('uk');
  timeZone = $state(DEFAULT_TIMEZONE);

  /** BCP 47 locale for Intl: Ukrainian, or British English (24-hour clock, day first). */
  get locale(): string {
    return this.lang === 'uk' ? 'uk-UA' : 'en-GB';
  }

  t = (key: MessageKey, params?: Params): string => {
    return interpolate(catalogs[this.lang][key] ?? catalogs.uk[key] ?? key, params);
  };

  setLang(lang: string): void {
    this.lang = parseLang(lang);
    if (typeof document !== 'undefined') document.documentElement.lang = this.lang;
  }

  setTimeZone(tz: string | null | undefined): void {
    this.timeZone = tz && validTimeZone(tz) ? tz : DEFAULT_TIMEZONE;
  }
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const i18n = new I18n();

/** The string for `key` in the current language. */
export const t = (key: MessageKey, params?: Params): string => i18n.t(key, params);

export const catalogsForTest = catalogs;

// --- dates, sizes and statuses in the current language and the organisation's timezone


export const dateTime = (v: string | number): string => formatDateTime(v, i18n.lang, i18n.timeZone);
export const date = (v: string | number): string => formatDate(v, i18n.lang, i18n.timeZone);
export const time = (v: string | number): string => formatTime(v, i18n.lang, i18n.timeZone);
/** Time alone for today, else date and time. */
export const moment = (v: string | number): string => formatMoment(v, i18n.lang, i18n.timeZone);
export const size = (bytes: number): string =>
  formatSize(bytes, i18n.lang, {
    b: t('size.b'),
    kb: t('size.kb'),
    mb: t('size.mb'),
    gb: t('size.gb'),
  });

/** A status as the reader sees it: "waiting for customer" reads "waiting for your answer" to customers. */
export function statusLabel(s: TicketStatus, agent: boolean): string {
  if (agent && s === 'waiting_for_customer') return t('status.agent.waiting_for_customer');
  return t(`status.${s}`);
}
