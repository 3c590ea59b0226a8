//! Who is signed in on this device. Resumes the last account on start (it opens offline) and
//! remembers the last server and email for the sign-in form.

import type { Platform } from '../platform/platform';
import type { Account, Role } from '../types/bindings';

const LAST_SERVER = 'desk.lastServer';
const LAST_EMAIL = 'desk.lastEmail';
const LAST_LANG = 'desk.lang';

export function isStaff(role: Role | undefined): boolean {
  return role === 'agent' || role === 'admin';
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function lastSignIn(): { server: string; email: string } {
  const s = storage();
  return { server: s?.getItem(LAST_SERVER) ?? '', email: s?.getItem(LAST_EMAIL) ?? '' };
}

/** The language last used on this device (the sign-in screen shows before any account). */
export function lastLang(): string {
  return storage()?.getItem(LAST_LANG) ?? 'uk';
}

export function rememberLang(lang: string): void {
  storage()?.setItem(LAST_LANG, lang);
}

export class Session {
  account = $state<Account | null>(null);

  constructor(private readonly platform: Platform) {}

  get signedIn(): boolean {
    return this.account !== null;
  }

  get isAgent(): boolean {
    return isStaff(this.account?.user.role);
  }

  /** The signed-in user's id. */
  get me(): string | null {
    return this.account?.user.id ?? null;
  }

  async resume(): Promise<Account | null> {
    this.account = await this.platform.resume();
    return this.account;
  }

  async signIn(server: string, email: string, password: string): Promise<Account> {
    const a = await this.platform.signIn(server.trim(), email.trim(), password);
    this.account = a;
    const s = storage();
    s?.setItem(LAST_SERVER, server.trim());
    s?.setItem(LAST_EMAIL, email.trim());
    return a;
  }

  /** Rejects with `unsent_items` while writes are unsent, unless `discardUnsent`. */
  async signOut(discardUnsent: boolean): Promise<void> {
    await this.platform.signOut(discardUnsent);
    this.account = null;
  }
}
