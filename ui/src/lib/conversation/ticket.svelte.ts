//! One open ticket with its conversation, re-read when the core says it (or the outbox) changed.

import type { Platform } from '../platform/platform';
import type { ClientEvent, TicketView } from '../types/bindings';
import { ViewStore } from '../app/view.svelte';

export class TicketViewStore extends ViewStore<TicketView> {
  constructor(
    platform: Platform,
    readonly id: string,
  ) {
    super(() => platform.ticket(id));
  }

  apply = (e: ClientEvent): void => {
    if (e.type === 'models_changed' && (e.outbox || e.tickets.includes(this.id))) void this.load();
  };
}
