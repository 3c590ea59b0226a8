// Business hours in words: what a new ticket can expect ("завтра з 08:00", "через 9 год") and
// how long a ticket has waited ("2 год 15 хв"). The figures come from the core, which computes
// them with the business calendar (desk-domain); this only says them in the UI's language.

import { i18n, t, type MessageKey } from '../i18n/i18n.svelte';
import type { BusinessCalendar, Expectation } from '../types/bindings';

/** A span in hours and minutes ("2 год 15 хв", "9 год", "5 хв"); seconds are dropped. */
export function duration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h > 0 && m > 0) return t('hours.h_m', { h, m });
  if (h > 0) return t('hours.h', { h });
  return t('hours.m', { m });
}

/** When specialists take the ticket up: "завтра з 08:00", "у понеділок з 08:00". */
export function handledWhen(e: Expectation): string {
  const time = e.local_time;
  switch (e.day) {
    case 'today':
      return t('hours.when.today', { time });
    case 'tomorrow':
      return t('hours.when.tomorrow', { time });
    case 'weekday':
      return t('hours.when.weekday', { day: t(`hours.on.${e.weekday}` as MessageKey), time });
    case 'date': {
      const date = new Intl.DateTimeFormat(i18n.locale, { day: 'numeric', month: 'long', timeZone: 'UTC' }).format(
        new Date(`${e.date}T00:00:00Z`),
      );
      return t('hours.when.date', { date, time });
    }
  }
}

/** The note shown before Save for a ticket that waits for working hours; null when handled now. */
export function afterHoursNote(e: Expectation): string | null {
  if (e.urgent || e.handled_now) return null;
  return t('create.after_hours', { when: handledWhen(e), in: duration(e.wait_minutes * 60_000) });
}

/** The working days in short: "щодня", "пн–пт", "пн, ср, пт" (ISO weekdays, 1 = Monday). */
export function workingDays(days: number[]): string {
  const sorted = [...new Set(days)].filter((d) => d >= 1 && d <= 7).sort((a, b) => a - b);
  if (sorted.length === 7) return t('hours.days.every');
  const name = (d: number) => t(`hours.day.${d}` as MessageKey);
  const [first, last] = [sorted[0], sorted[sorted.length - 1]];
  const consecutive = first !== undefined && last !== undefined && last - first === sorted.length - 1;
  if (sorted.length >= 3 && consecutive) return `${name(first)}–${name(last)}`;
  return sorted.map(name).join(', ');
}

/** The support's hours in words: "щодня з 08:00 до 20:00" and "за київським часом"; `always`
 * when they never close (every day, 00:00–24:00, no days off). */
export function workingHours(c: BusinessCalendar): { span: string; tz: string; always: boolean } {
  const days = workingDays(c.working_days);
  const allDay = c.opens === '00:00' && c.closes === '24:00';
  return {
    span: allDay ? t('hours.span_all_day', { days }) : t('hours.span', { days, opens: c.opens, closes: c.closes }),
    always: allDay && new Set(c.working_days).size === 7 && c.holidays.length === 0,
    tz: c.timezone === 'Europe/Kyiv' || c.timezone === 'Europe/Kiev' ? t('hours.tz.kyiv') : t('hours.tz.other', { tz: c.timezone }),
  };
}

/** The calendar's days off from `today` (YYYY-MM-DD, in the calendar's zone) on, at most `n`,
 * as "1 січня". */
export function upcomingDaysOff(c: BusinessCalendar, today: string, n = 3): string[] {
  const format = new Intl.DateTimeFormat(i18n.locale, { day: 'numeric', month: 'long', timeZone: 'UTC' });
  return c.holidays
    .filter((d) => d >= today)
    .sort()
    .slice(0, n)
    .map((d) => format.format(new Date(`${d}T00:00:00Z`)));
}
