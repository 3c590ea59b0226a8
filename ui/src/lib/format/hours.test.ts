import { afterEach, describe, expect, it } from 'vitest';
import { i18n } from '../i18n/i18n.svelte';
import type { BusinessCalendar, Expectation } from '../types/bindings';
import { afterHoursNote, duration, handledWhen, upcomingDaysOff, workingDays, workingHours } from './hours';

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

  const calendar = (patch: Partial<BusinessCalendar> = {}): BusinessCalendar => ({
    timezone: 'Europe/Kyiv',
    opens: '08:00',
    closes: '20:00',
    working_days: [1, 2, 3, 4, 5, 6, 7],
    holidays: [],
    ...patch,
  });

  it('names the working days in short', () => {
    expect(workingDays([1, 2, 3, 4, 5, 6, 7])).toBe('щодня');
    expect(workingDays([5, 1, 2, 3, 4])).toBe('пн–пт');
    expect(workingDays([1, 3, 5])).toBe('пн, ср, пт');
    expect(workingDays([6, 7])).toBe('сб, нд');
    i18n.setLang('en');
    expect(workingDays([1, 2, 3, 4, 5])).toBe('Mon–Fri');
  });

  it('says the support hours with their time zone', () => {
    expect(workingHours(calendar())).toEqual({ span: 'щодня з 08:00 до 20:00', tz: 'за київським часом', always: false });
    expect(workingHours(calendar({ working_days: [1, 2, 3, 4, 5], opens: '09:00', closes: '18:00', timezone: 'Europe/Warsaw' }))).toEqual({
      span: 'пн–пт з 09:00 до 18:00',
      tz: 'за часом Europe/Warsaw',
      always: false,
    });
    const allDay = { opens: '00:00', closes: '24:00' };
    expect(workingHours(calendar(allDay)).always).toBe(true);
    expect(workingHours(calendar({ ...allDay, working_days: [1, 2, 3, 4, 5] }))).toMatchObject({ span: 'пн–пт цілодобово', always: false });
    expect(workingHours(calendar({ ...allDay, holidays: ['2027-01-01'] })).always).toBe(false);
    i18n.setLang('en');
    expect(workingHours(calendar())).toEqual({ span: 'every day, 08:00–20:00', tz: 'Kyiv time', always: false });
  });

  it('lists the coming days off, the nearest first', () => {
    const c = calendar({ holidays: ['2027-01-07', '2026-12-25', '2026-01-01', '2027-01-01', '2027-03-08'] });
    expect(upcomingDaysOff(c, '2026-11-25')).toEqual(['25 грудня', '1 січня', '7 січня']);
    expect(upcomingDaysOff(c, '2027-03-09')).toEqual([]);
  });

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
