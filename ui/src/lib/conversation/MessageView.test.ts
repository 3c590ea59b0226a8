import { afterEach, describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import MessageView from './MessageView.svelte';
import { i18n } from '../i18n/i18n.svelte';
import type { MessageItem } from '../types/bindings';

const notice: MessageItem = {
  message: {
    id: 'm2',
    ticket_id: 't1',
    author: { id: '00000000-0000-0000-0000-000000000001', name: 'Служба підтримки', role: 'agent' },
    body: 'Ваше звернення прийнято. Зараз неробочий час: фахівці візьмуть його в роботу завтра з 08:00.',
    internal: false,
    channel: 'system',
    created_at: '2026-11-24T21:00:00Z',
    attachments: [],
  },
  provisional: false,
  sending: null,
};

describe('message view', () => {
  afterEach(() => i18n.setLang('uk'));

  it('signs the after-hours notice as the support service and marks it automatic', () => {
    render(MessageView, { props: { item: notice, viewerIsAgent: false } });
    expect(screen.getByTestId('message-author').textContent).toBe('Служба підтримки');
    expect(screen.getByTestId('automatic-tag').textContent).toBe('автоматичне повідомлення');
    expect(screen.getByTestId('message').classList.contains('automatic')).toBe(true);
    expect(screen.getByTestId('message').classList.contains('support')).toBe(false);
  });

  it('in English for an English reader', () => {
    i18n.setLang('en');
    render(MessageView, { props: { item: notice, viewerIsAgent: true } });
    expect(screen.getByTestId('message-author').textContent).toBe('Support service');
    expect(screen.getByTestId('automatic-tag').textContent).toBe('automatic message');
  });
});
