import { describe, expect, it } from 'vitest';
import uk from './uk.json';
import en from './en.json';
import { i18n, interpolate, parseLang, statusLabel, t } from './i18n.svelte';

describe('locale files', () => {
  it('have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(uk).sort());
  });

  it('have no empty strings', () => {
    for (const [k, v] of [...Object.entries(uk), ...Object.entries(en)]) {
      expect(v.trim(), k).not.toBe('');
    }
  });

  it('use the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const k of Object.keys(uk) as (keyof typeof uk)[]) {
      expect(names(en[k]), k).toEqual(names(uk[k]));
    }
  });

  it('name the statuses as a dispatch office does', () => {
    expect(uk['status.new']).toBe('Нове');
    expect(uk['status.in_progress']).toBe('В роботі');
    expect(uk['status.waiting_for_customer']).toBe('Чекає на вашу відповідь');
    expect(uk['status.resolved']).toBe('Вирішене');
    expect(uk['status.closed']).toBe('Закрите');
  });
});

describe('t', () => {
  it('interpolates and switches language at run time', () => {
    expect(t('status.pending', { n: 3 })).toBe('Очікують надсилання: 3');
    i18n.setLang('en');
    expect(t('status.pending', { n: 3 })).toBe('Waiting to send: 3');
    expect(statusLabel('waiting_for_customer', false)).toBe('Waiting for your reply');
    expect(statusLabel('waiting_for_customer', true)).toBe('Waiting for customer');
    expect(document.documentElement.lang).toBe('en');
  });

  it('keeps unknown placeholders and parses languages', () => {
    expect(interpolate('{a} і {b}', { a: 1 })).toBe('1 і {b}');
    expect(parseLang('en-GB')).toBe('en');
    expect(parseLang('uk')).toBe('uk');
    expect(parseLang(null)).toBe('uk');
    expect(parseLang('de')).toBe('uk');
  });

  it('falls back to Kyiv for an unknown timezone', () => {
    i18n.setTimeZone('Mars/Olympus');
    expect(i18n.timeZone).toBe('Europe/Kyiv');
    i18n.setTimeZone('Europe/Warsaw');
    expect(i18n.timeZone).toBe('Europe/Warsaw');
  });
});
