//! Entry: picks the platform (Tauri or the in-browser mock), mounts the app, starts it.

import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { createPlatform } from './lib/platform';
import { DeskApp } from './lib/app/desk.svelte';
import { i18n } from './lib/i18n/i18n.svelte';
import { lastLang } from './lib/session/session.svelte';

i18n.setLang(lastLang());
const platform = await createPlatform();
const desk = new DeskApp(platform);
const target = document.getElementById('app');
if (target) {
  mount(App, { target, props: { desk } });
  void desk.start();
}
