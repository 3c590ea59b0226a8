// Component tests run against the mock platform in jsdom; jsdom lacks a few browser APIs the
// app touches. The language is module state: every test starts in Ukrainian.
import { beforeEach } from 'vitest';
import { i18n } from './lib/i18n/i18n.svelte';

if (!Element.prototype.scrollTo) {
  Element.prototype.scrollTo = function scrollTo() {};
}

beforeEach(() => {
  i18n.setLang('uk');
  i18n.setTimeZone(null);
  localStorage.clear();
});
