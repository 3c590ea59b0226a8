//! Where files dropped on the window go. WebDriver cannot perform a native drag-and-drop, so
//! the whole decision lives here as a pure function over the drop point, the screen and the
//! drop zones' boxes; the component only measures the zones and wires the event to it.

import type { FileDrop } from '../platform/platform';

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** A form that takes files: its draft key and where it is on screen. */
export interface DropZone {
  key: string;
  box: Box;
}

export type DropDecision =
  /** Attach to the draft with this key (a form on screen). */
  | { kind: 'attach'; key: string }
  /** No form on screen: start a new ticket with these files. */
  | { kind: 'new-ticket' }
  /** Nothing to do (no files, or files cannot be taken here). */
  | { kind: 'ignore' };

export interface DropContext {
  /** Forms on screen that take files. */
  zones: readonly DropZone[];
  /** Draft key of the form that last had focus, if still on screen. */
  activeKey: string | null;
  /** Whether this person may start a ticket (customers); agents' drops off a form are ignored. */
  canCreateTicket: boolean;
}

export const NEW_TICKET_KEY = 'new-ticket';

export function replyKey(ticketId: string): string {
  return `reply:${ticketId}`;
}

function contains(b: Box, x: number, y: number): boolean {
  return x >= b.left && x <= b.right && y >= b.top && y <= b.bottom;
}

function area(b: Box): number {
  return Math.max(0, b.right - b.left) * Math.max(0, b.bottom - b.top);
}

/**
 * The form under the drop point wins (the innermost when boxes nest); otherwise the active
 * form; otherwise the only form on screen; with no form on screen, a new ticket.
 */
export function decideDrop(drop: FileDrop, ctx: DropContext): DropDecision {
  if (drop.paths.length === 0) return { kind: 'ignore' };
  const visible = ctx.zones.filter((z) => area(z.box) > 0);
  const under = visible
    .filter((z) => contains(z.box, drop.x, drop.y))
    .sort((a, b) => area(a.box) - area(b.box));
  const hit = under[0];
  if (hit) return { kind: 'attach', key: hit.key };
  const active = visible.find((z) => z.key === ctx.activeKey);
  if (active) return { kind: 'attach', key: active.key };
  const only = visible.length === 1 ? visible[0] : undefined;
  if (only) return { kind: 'attach', key: only.key };
  if (visible.length === 0 && ctx.canCreateTicket) return { kind: 'new-ticket' };
  return { kind: 'ignore' };
}
