//! What can be down, in the order the report form offers it. The report form's draft (key
//! `outage`) keeps the kind in its `topic_id` (desk-client's `Desk::outage_draft_key`), so a
//! half-written report survives a restart with its choice.

import { t } from '../i18n/i18n.svelte';
import type { OutageKind } from '../types/bindings';

export const OUTAGE_KEY = 'outage';

export const OUTAGE_KINDS: readonly OutageKind[] = ['program', 'telephony', 'driver_app', 'other'];

export function parseKind(s: string | null | undefined): OutageKind | null {
  return OUTAGE_KINDS.find((k) => k === s) ?? null;
}

/** What is down, as a short sentence («Не працює телефонія»). */
export function kindTitle(k: OutageKind): string {
  return t(`outage.kind_title.${k}`);
}
