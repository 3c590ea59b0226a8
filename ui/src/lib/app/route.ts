//! The screens of the app.

export type Route =
  | { name: 'tickets' }
  | { name: 'queue' }
  | { name: 'ticket'; id: string }
  | { name: 'create' }
  | { name: 'account' }
  /** Report an outage (customers). */
  | { name: 'report' }
  /** Agents: the incidents screen, with one selected (or `request`: an unverified Telegram
   *  message shown in its section). */
  | { name: 'incidents'; id: string | null; request?: string | null }
  /** Customers: one incident's timeline. */
  | { name: 'incident'; id: string };
