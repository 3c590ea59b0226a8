//! One open ticket with its conversation, re-read when the core says it (or the outbox) changed.

import type { Platform } from '../platform/platform';
import type { ClientEvent, TicketView } from '../types/bindings';
import { errorText } from '../app/errors';

export class TicketViewStore {
  view = $state<TicketView | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);
  private seq = 0;

  constructor(
    private readonly platform: Platform,
    readonly id: string,
  ) {}

  load = async (): Promise<void> => {
    const my = ++this.seq;
    try {
      const v = await this.platform.ticket(this.id);
      if (my !== this.seq) return;
      this.view = v;
      this.error = null;
    } catch (e) {
      if (my === this.seq) this.error = errorText(e);
    } finally {
      if (my === this.seq) this.loaded = true;
    }
  };

  apply = (e: ClientEvent): void => {
    if (e.type === 'models_changed' && (e.outbox || e.tickets.includes(this.id))) void this.load();
  };
}
