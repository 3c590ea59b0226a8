//! Keyboard shortcuts: Ctrl+N new ticket, Ctrl+K or "/" search, Ctrl+Enter send.

export type Shortcut = 'new-ticket' | 'search' | 'send';

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  target: EventTarget | null;
}

export function isEditable(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).tagName !== 'string') return false;
  const el = target as HTMLElement;
  const tag = el.tagName.toLowerCase();
  if (tag === 'textarea' || tag === 'select') return true;
  if (tag === 'input') {
    const type = (el as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit'].includes(type);
  }
  return el.isContentEditable === true;
}

export function shortcut(e: KeyLike): Shortcut | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  if (mod && !e.altKey && e.key === 'Enter') return 'send';
  if (mod && !e.altKey && !e.shiftKey && (key === 'n' || key === 'т')) return 'new-ticket';
  if (mod && !e.altKey && !e.shiftKey && (key === 'k' || key === 'л')) return 'search';
  if (!mod && !e.altKey && e.key === '/' && !isEditable(e.target)) return 'search';
  return null;
}
