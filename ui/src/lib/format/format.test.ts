import { describe, expect, it } from 'vitest';
import {
  formatDate,
  formatDateTime,
  formatMoment,
  formatSize,
  formatTime,
  inBusinessHours,
} from './format';

const units = { b: 'Б', kb: 'КБ', mb: 'МБ', gb: 'ГБ' };

describe('format', () => {
  it('shows dates in the organisation timezone, Ukrainian style', () => {
    // 12:05 UTC is 14:05 in Kyiv in November (UTC+2).
    expect(formatDateTime('2026-11-24T12:05:00Z', 'uk', 'Europe/Kyiv')).toBe('24.11.2026, 14:05');
    expect(formatDate('2026-11-24T23:30:00Z', 'uk', 'Europe/Kyiv')).toBe('25.11.2026');
    expect(formatTime('2026-07-01T23:14:00Z', 'uk', 'Europe/Kyiv')).toBe('02:14');
  });

  it('uses day-first 24-hour format in English', () => {
    expect(formatDateTime('2026-11-24T12:05:00Z', 'en', 'Europe/Kyiv')).toBe('24/11/2026, 14:05');
  });

  it('drops the date for today', () => {
    const now = new Date('2026-11-24T15:00:00Z');
    expect(formatMoment('2026-11-24T00:14:00Z', 'uk', 'Europe/Kyiv', now)).toBe('02:14');
    expect(formatMoment('2026-11-23T00:14:00Z', 'uk', 'Europe/Kyiv', now)).toBe('23.11.2026, 02:14');
  });

  it('returns empty text for a bad date', () => {
    expect(formatDateTime('nonsense', 'uk', 'Europe/Kyiv')).toBe('');
  });

  it('formats sizes in binary units with the locale decimal mark', () => {
    expect(formatSize(512, 'uk', units)).toBe('512 Б');
    expect(formatSize(1536, 'uk', units)).toBe('1,5 КБ');
    expect(formatSize(200 * 1024 * 1024, 'uk', units)).toBe('200 МБ');
    expect(formatSize(1536, 'en', { b: 'B', kb: 'KB', mb: 'MB', gb: 'GB' })).toBe('1.5 KB');
  });

  it('knows working hours in Kyiv', () => {
    expect(inBusinessHours(new Date('2026-11-24T05:59:00Z'), 'Europe/Kyiv')).toBe(false); // 07:59
    expect(inBusinessHours(new Date('2026-11-24T06:00:00Z'), 'Europe/Kyiv')).toBe(true); // 08:00
    expect(inBusinessHours(new Date('2026-11-24T18:00:00Z'), 'Europe/Kyiv')).toBe(false); // 20:00
  });
});
