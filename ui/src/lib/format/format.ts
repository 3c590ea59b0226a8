//! Dates, times and sizes as a person in the office reads them: the organisation's timezone,
//! the user's language (uk: 24.11.2026, 14:05). Pure: language and timezone are arguments.

import type { Lang } from '../i18n/i18n.svelte';

export function intlLocale(lang: Lang): string {
  return lang === 'uk' ? 'uk-UA' : 'en-GB';
}

const cache = new Map<string, Intl.DateTimeFormat>();

function fmt(lang: Lang, tz: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang}|${tz}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(intlLocale(lang), { ...opts, timeZone: tz });
    cache.set(key, f);
  }
  return f;
}

function toDate(v: string | number | Date): Date | null {
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

const DATE: Intl.DateTimeFormatOptions = { day: '2-digit', month: '2-digit', year: 'numeric' };
const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };

/** 24.11.2026, 14:05 */
export function formatDateTime(v: string | number | Date, lang: Lang, tz: string): string {
  const d = toDate(v);
  return d ? fmt(lang, tz, { ...DATE, ...TIME }).format(d) : '';
}

/** 24.11.2026 */
export function formatDate(v: string | number | Date, lang: Lang, tz: string): string {
  const d = toDate(v);
  return d ? fmt(lang, tz, DATE).format(d) : '';
}

/** 14:05 */
export function formatTime(v: string | number | Date, lang: Lang, tz: string): string {
  const d = toDate(v);
  return d ? fmt(lang, tz, TIME).format(d) : '';
}

/** The calendar day of `v` in `tz`, as YYYY-MM-DD. */
export function dayKey(v: string | number | Date, tz: string): string {
  const d = toDate(v);
  if (!d) return '';
  return new Intl.DateTimeFormat('en-CA', {
    ...DATE,
    timeZone: tz,
  }).format(d);
}

/** The time alone when `v` is today (in `tz`), else date and time. */
export function formatMoment(
  v: string | number | Date,
  lang: Lang,
  tz: string,
  now: Date = new Date(),
): string {
  return dayKey(v, tz) === dayKey(now, tz) ? formatTime(v, lang, tz) : formatDateTime(v, lang, tz);
}

/** Hour of the day (0–23) in `tz`. */
export function hourIn(now: Date, tz: string): number {
  const h = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: tz })
    .format(now);
  return Number.parseInt(h, 10);
}

/** Working hours of support for non-urgent requests (08:00–20:00 in the office's timezone). */
export function inBusinessHours(now: Date, tz: string, start = 8, end = 20): boolean {
  const h = hourIn(now, tz);
  return h >= start && h < end;
}

export interface SizeUnits {
  b: string;
  kb: string;
  mb: string;
  gb: string;
}

/** 1,2 МБ / 1.2 MB (binary multiples, as the limits are stated). */
export function formatSize(bytes: number, lang: Lang, units: SizeUnits): string {
  const n = new Intl.NumberFormat(intlLocale(lang), { maximumFractionDigits: 1 });
  if (bytes < 1024) return `${bytes} ${units.b}`;
  if (bytes < 1024 ** 2) return `${n.format(bytes / 1024)} ${units.kb}`;
  if (bytes < 1024 ** 3) return `${n.format(bytes / 1024 ** 2)} ${units.mb}`;
  return `${n.format(bytes / 1024 ** 3)} ${units.gb}`;
}
