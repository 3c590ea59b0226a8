import { afterEach, describe, expect, it } from 'vitest';
import { i18n } from '../i18n/i18n.svelte';
import type { Expectation } from '../types/bindings';
import { afterHoursNote, duration, handledWhen } from './hours';

function expectation(patch: Partial<Expectation> = {}): Expectation {
  return {
    topic_id: 'tariffs',
    urgent: false,
    working_now: false,
    at: '2026-11-24T21:00:00Z',
    handled_from: '2026-11-25T06:00:00Z',
    handled_now: false,
    local_time: '08:00',
    day: 'tomorrow',
    weekday: 3,
    date: '2026-11-25',
    wait_minutes: 540,
    ...patch,
  };
}

describe('business hours in words', () => {
  afterEach(() => i18n.setLang('uk'));

  it('says a waited span in hours and minutes', () => {
    expect(duration(2 * 3_600_000 + 15 * 60_000)).toBe('2 год 15 хв');
    expect(duration(9 * 3_600_000)).toBe('9 год');
    expect(duration(5 * 60_000 + 59_000)).toBe('5 хв');
    expect(duration(30_000)).toBe('0 хв');
    expect(duration(27 * 3_600_000)).toBe('27 год');
    i18n.setLang('en');
    expect(duration(2 * 3_600_000 + 15 * 60_000)).toBe('2 h 15 min');
  });

  it('says when specialists take a ticket up', () => {
    expect(handledWhen(expectation({ day: 'today' }))).toBe('сьогодні з 08:00');
    expect(handledWhen(expectation())).toBe('завтра з 08:00');
    expect(handledWhen(expectation({ day: 'weekday', weekday: 1 }))).toBe('у понеділок з 08:00');
    expect(handledWhen(expectation({ day: 'weekday', weekday: 5 }))).toBe('у п’ятницю з 08:00');
    expect(handledWhen(expectation({ day: 'date', date: '2027-01-11' }))).toBe('11 січня з 08:00');
    i18n.setLang('en');
    expect(handledWhen(expectation({ day: 'weekday', weekday: 1 }))).toBe('on Monday from 08:00');
    expect(handledWhen(expectation({ day: 'date', date: '2027-01-11' }))).toBe('on 11 January from 08:00');
  });

  it('notes the wait before Save only for tickets that wait', () => {
    expect(afterHoursNote(expectation())).toBe(
      'Зараз неробочий час: фахівці візьмуть звернення в роботу завтра з 08:00 (через 9 год).',
    );
    expect(afterHoursNote(expectation({ handled_now: true, working_now: true, wait_minutes: 0 }))).toBeNull();
    expect(afterHoursNote(expectation({ urgent: true, handled_now: true, wait_minutes: 0 }))).toBeNull();
    i18n.setLang('en');
    expect(afterHoursNote(expectation({ wait_minutes: 61 }))).toBe(
      'It is outside working hours: specialists will take this ticket up tomorrow from 08:00 (in 1 h 1 min).',
    );
  });
});
