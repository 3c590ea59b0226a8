import { describe, expect, it } from 'vitest';
import { shortcut } from './keys';

const k = (key: string, o: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean; target: EventTarget | null }> = {}) => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  target: null,
  ...o,
});

describe('shortcut', () => {
  it('knows the app shortcuts', () => {
    expect(shortcut(k('n', { ctrlKey: true }))).toBe('new-ticket');
    expect(shortcut(k('k', { ctrlKey: true }))).toBe('search');
    expect(shortcut(k('Enter', { ctrlKey: true }))).toBe('send');
  });

  it('works with the Ukrainian keyboard layout', () => {
    expect(shortcut(k('т', { ctrlKey: true }))).toBe('new-ticket');
    expect(shortcut(k('л', { ctrlKey: true }))).toBe('search');
  });

  it('takes "/" as search only outside text fields', () => {
    expect(shortcut(k('/'))).toBe('search');
    const input = document.createElement('input');
    expect(shortcut(k('/', { target: input }))).toBeNull();
    const box = document.createElement('input');
    box.type = 'checkbox';
    expect(shortcut(k('/', { target: box }))).toBe('search');
  });

  it('ignores plain typing', () => {
    expect(shortcut(k('n'))).toBeNull();
    expect(shortcut(k('Enter'))).toBeNull();
  });
});
