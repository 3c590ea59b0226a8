// Business hours in words: what a new ticket can expect ("завтра з 08:00", "через 9 год") and
// how long a ticket has waited ("2 год 15 хв"). The figures come from the core, which computes
// them with the business calendar (desk-domain); this only says them in the UI's language.

import { i18n, t, type MessageKey } from '../i18n/i18n.svelte';
import type { Expectation } from '../types/bindings';

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
