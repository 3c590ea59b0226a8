//! The forms on screen that take dropped files. Forms register themselves while mounted; on a
//! drop the app measures them and lets `decideDrop` choose.

import type { DropZone } from './drop';

export interface ZoneHandle {
  key: string;
  element: HTMLElement;
  attach: (paths: string[]) => void | Promise<void>;
}

export class DropZones {
  private zones = new Map<string, ZoneHandle>();
  /** The draft key of the form that last had focus. */
  active: string | null = null;

  register(h: ZoneHandle): () => void {
    this.zones.set(h.key, h);
    return () => {
      if (this.zones.get(h.key) === h) this.zones.delete(h.key);
      if (this.active === h.key) this.active = null;
    };
  }

  focus(key: string): void {
    this.active = key;
  }

  measure(): DropZone[] {
    return [...this.zones.values()].map((z) => {
      const r = z.element.getBoundingClientRect();
      return { key: z.key, box: { left: r.left, top: r.top, right: r.right, bottom: r.bottom } };
    });
  }

  activeKey(): string | null {
    return this.active && this.zones.has(this.active) ? this.active : null;
  }

  async attach(key: string, paths: string[]): Promise<boolean> {
    const z = this.zones.get(key);
    if (!z) return false;
    await z.attach(paths);
    return true;
  }
}
