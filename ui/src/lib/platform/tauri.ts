//! The platform over Tauri commands and events: the only file in ui/ that imports
//! @tauri-apps/*. Each method is one `invoke`; argument names are camelCase here and Tauri
//! maps them to the commands' snake_case parameters. Rejections are the core's `{code, message}`.
//! Command names are the app's own list (commands.generated.ts), so a misspelt one fails the
//! type check.

import { convertFileSrc, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type {
  Account,
  BusinessCalendar,
  Expectation,
  Attachment,
  AnnounceInput,
  ClientEvent,
  DutyAgent,
  Incident,
  IncidentView,
  KnownOutage,
  LinkCode,
  LinkedChats,
  TelegramRequest,
  TelegramRequests,
  OutageKind,
  UpdateIncident,
  Draft,
  DraftInput,
  LocalFile,
  OrgRef,
  OutboxItem,
  Preferences,
  SearchHit,
  StorageInfo,
  SyncState,
  TicketItem,
  TicketQuery,
  TicketStatus,
  TicketView,
  Topic,
} from '../types/bindings';
import { bytesToBase64 } from './base64';
import type { Command } from './commands.generated';
import type { DeskError, FileDrop, Platform, Unlisten } from './platform';

/** Anything a command rejects with, as `{code, message}` (a plain string becomes `internal`). */
export function toDeskError(e: unknown): DeskError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const o = e as { code: unknown; message: unknown };
    return { code: String(o.code), message: String(o.message) };
  }
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

async function call<T>(cmd: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toDeskError(e);
  }
}

export class TauriPlatform implements Platform {
  resume(): Promise<Account | null> {
    return call('resume');
  }
  signIn(server: string, email: string, password: string): Promise<Account> {
    return call('sign_in', { server, email, password });
  }
  signOut(discardUnsent: boolean): Promise<void> {
    return call('sign_out', { discardUnsent });
  }

  topics(): Promise<Topic[]> {
    return call('topics');
  }
  calendar(): Promise<BusinessCalendar> {
    return call('calendar');
  }
  expectation(topicId: string): Promise<Expectation> {
    return call('expectation', { topicId });
  }
  tickets(query: TicketQuery): Promise<TicketItem[]> {
    return call('tickets', { query });
  }
  ticket(id: string): Promise<TicketView | null> {
    return call('ticket', { id });
  }
  search(text: string, limit: number): Promise<SearchHit[]> {
    return call('search', { text, limit });
  }
  organizations(): Promise<OrgRef[]> {
    return call('organizations');
  }
  outbox(): Promise<OutboxItem[]> {
    return call('outbox');
  }
  syncState(): Promise<SyncState> {
    return call('sync_state');
  }
  unreadCount(): Promise<number> {
    return call('unread_count');
  }

  draft(key: string): Promise<Draft | null> {
    return call('draft', { key });
  }
  saveDraft(key: string, input: DraftInput): Promise<void> {
    return call('save_draft', { key, input });
  }
  attachFiles(key: string, paths: string[]): Promise<LocalFile[]> {
    return call('attach_files', { key, paths });
  }
  attachBytes(key: string, filename: string, bytes: Uint8Array): Promise<LocalFile> {
    return call('attach_bytes', { key, filename, dataBase64: bytesToBase64(bytes) });
  }
  removeDraftFile(key: string, fileId: string): Promise<void> {
    return call('remove_draft_file', { key, fileId });
  }
  discardDraft(key: string): Promise<void> {
    return call('discard_draft', { key });
  }
  pickFiles(): Promise<string[]> {
    return call('pick_files');
  }

  submitTicketDraft(): Promise<string> {
    return call('submit_ticket_draft');
  }
  submitReplyDraft(ticketId: string): Promise<string> {
    return call('submit_reply_draft', { ticketId });
  }
  setStatus(ticketId: string, status: TicketStatus): Promise<void> {
    return call('set_status', { ticketId, status });
  }
  assign(ticketId: string, assigneeId: string | null): Promise<void> {
    return call('assign', { ticketId, assigneeId });
  }
  retry(outboxSeq: number): Promise<void> {
    return call('retry', { outboxSeq });
  }
  discard(outboxSeq: number): Promise<void> {
    return call('discard', { outboxSeq });
  }
  syncNow(): Promise<void> {
    return call('sync_now');
  }

  openAttachment(attachment: Attachment): Promise<void> {
    return call('open_attachment', { attachment });
  }
  saveAttachment(attachment: Attachment): Promise<boolean> {
    return call('save_attachment', { attachment });
  }
  previewUrl(ticketId: string, attachment: Attachment, scale: number): string {
    // src-tauri/src/preview/ serves it: desk-file://localhost/<ticket>/<attachment> on Linux.
    return `${convertFileSrc(`${ticketId}/${attachment.id}`, 'desk-file')}?scale=${scale}`;
  }

  preferences(): Promise<Preferences> {
    return call('preferences');
  }
  setPreferences(preferences: Preferences): Promise<void> {
    return call('set_preferences', { preferences });
  }
  storageInfo(): Promise<StorageInfo> {
    return call('storage_info');
  }

  knownOutage(kind: OutageKind): Promise<KnownOutage | null> {
    return call('known_outage', { kind });
  }
  submitOutageDraft(): Promise<string> {
    return call('submit_outage_draft');
  }
  incidents(status: 'open' | 'resolved' | 'all'): Promise<Incident[]> {
    return call('incidents', { status });
  }
  incident(id: string): Promise<IncidentView | null> {
    return call('incident', { id });
  }
  acknowledgeIncident(id: string): Promise<Incident> {
    return call('acknowledge_incident', { id });
  }
  postIncidentUpdate(id: string, body: string): Promise<Incident> {
    return call('post_incident_update', { id, body });
  }
  resolveIncident(id: string, body: string): Promise<Incident> {
    return call('resolve_incident', { id, body });
  }
  updateIncident(id: string, update: UpdateIncident): Promise<Incident> {
    return call('update_incident', { id, update });
  }
  mergeIncidents(into: string, from: string): Promise<Incident> {
    return call('merge_incidents', { into, from });
  }
  announceIncident(input: AnnounceInput): Promise<Incident> {
    return call('announce_incident', { input });
  }
  dutyRoster(): Promise<DutyAgent[]> {
    return call('duty_roster');
  }
  setOnDuty(onDuty: boolean): Promise<DutyAgent> {
    return call('set_on_duty', { onDuty });
  }

  telegramLinkCode(): Promise<LinkCode> {
    return call('telegram_link_code');
  }
  telegramLinks(organizationId: string | null): Promise<LinkedChats> {
    return call('telegram_links', { organizationId });
  }
  unlinkTelegram(id: string): Promise<void> {
    return call('unlink_telegram', { id });
  }
  openTelegramLink(url: string): Promise<void> {
    return call('open_telegram_link', { url });
  }
  telegramRequests(): Promise<TelegramRequests> {
    return call('telegram_requests');
  }
  approveTelegramRequest(id: string, organizationId: string | null): Promise<TelegramRequest> {
    return call('approve_telegram_request', { id, organizationId });
  }
  dismissTelegramRequest(id: string): Promise<TelegramRequest> {
    return call('dismiss_telegram_request', { id });
  }

  onEvent(handler: (e: ClientEvent) => void): Promise<Unlisten> {
    return listen<ClientEvent>('desk://event', (e) => handler(e.payload));
  }
  onFileDrop(handler: (d: FileDrop) => void): Promise<Unlisten> {
    return listen<FileDrop>('desk://file-drop', (e) => handler(e.payload));
  }
  onOpenTicket(handler: (ticketId: string) => void): Promise<Unlisten> {
    return listen<string>('desk://open-ticket', (e) => handler(e.payload));
  }
  onOpenIncident(handler: (incidentId: string) => void): Promise<Unlisten> {
    return listen<string>('desk://open-incident', (e) => handler(e.payload));
  }
  onOpenTelegramRequest(handler: (requestId: string) => void): Promise<Unlisten> {
    return listen<string>('desk://open-telegram-request', (e) => handler(e.payload));
  }
}
