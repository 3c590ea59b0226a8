//! Telegram on the customer page: when to renew a link code, how often to look for a newly
//! linked chat, and the words for bots and chat kinds.

import type { Bot, ChatKind } from '../types/bindings';
import type { MessageKey } from '../i18n/i18n.svelte';

/** How often the card looks for a chat linked with the shown code, and (requestsPollMs) for
 *  chats asking to be linked by the service's name (tests shorten them). */
export const timing = { pollMs: 3000, tickMs: 1000, requestsPollMs: 30_000 };

/**
 * When to ask for a new code: a minute before `expiresAt`, or a fifth of its life before it
 * for a code that lives less than five minutes, so a person scanning it never gets a dead one.
 */
export function renewAt(receivedAt: number, expiresAt: number): number {
  const life = Math.max(0, expiresAt - receivedAt);
  return expiresAt - Math.min(60_000, life / 5);
}

/** Whole minutes left, rounded up (a code with 20 s left still reads «1 хв»). */
export function minutesLeft(now: number, expiresAt: number): number {
  return Math.max(0, Math.ceil((expiresAt - now) / 60_000));
}

export function botName(b: Bot): MessageKey {
  return b === 'support' ? 'telegram.bot.support' : 'telegram.bot.alert';
}

export function botWhat(b: Bot): MessageKey {
  return b === 'support' ? 'telegram.bot.support_what' : 'telegram.bot.alert_what';
}

export function kindName(k: ChatKind): MessageKey {
  if (k === 'private') return 'telegram.kind.private';
  if (k === 'channel') return 'telegram.kind.channel';
  return 'telegram.kind.group';
}
