//! The screens of the app.

export type Route =
  | { name: 'tickets' }
  | { name: 'queue' }
  | { name: 'ticket'; id: string }
  | { name: 'create' }
  | { name: 'account' };
