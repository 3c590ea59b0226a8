//! One thing read through the platform (a ticket, an incident) for a screen: `load` again
//! whenever the core says it changed; an answer that a newer `load` overtook is dropped.

import { errorText } from './errors';

export class ViewStore<T> {
  // Raw: each read replaces the view whole (a ticket with its messages); nothing edits it in place.
  view = $state.raw<T | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);
  private seq = 0;

  constructor(private readonly read: () => Promise<T | null>) {}

  load = async (): Promise<void> => {
    const my = ++this.seq;
    try {
      const v = await this.read();
      if (my !== this.seq) return;
      this.view = v;
      this.error = null;
    } catch (e) {
      if (my === this.seq) this.error = errorText(e);
    } finally {
      if (my === this.seq) this.loaded = true;
    }
  };
}
