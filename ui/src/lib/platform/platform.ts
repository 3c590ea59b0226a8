// The one interface the UI talks to. `tauri.ts` implements it over Tauri commands and events
// (the only file that imports @tauri-apps/*); `mock.ts` implements it in memory for component
// tests and for running the UI in a plain browser. Every method rejects with a `DeskError`
// ({code, message}) whose message is already in the user's language.

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
  Error as DeskError,
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

export type { DeskError };

/** Files dropped on the window, with where they landed (CSS pixels). */
export interface FileDrop {
  paths: string[];
  x: number;
  y: number;
}

export type Unlisten = () => void;

export interface Platform {
  // --- session
  /** The account signed in last on this device (opens offline), or null. */
  resume(): Promise<Account | null>;
  signIn(server: string, email: string, password: string): Promise<Account>;
  /** Rejects with code `unsent_items` while writes are unsent, unless `discardUnsent`. */
  signOut(discardUnsent: boolean): Promise<void>;

  // --- reads, all from the local cache
  topics(): Promise<Topic[]>;
  /** The support's working hours as last fetched (works offline). */
  calendar(): Promise<BusinessCalendar>;
  /** What a ticket on this topic filed now can expect (business hours; works offline). */
  expectation(topicId: string): Promise<Expectation>;
  tickets(query: TicketQuery): Promise<TicketItem[]>;
  /** The ticket with its conversation; marks it read. */
  ticket(id: string): Promise<TicketView | null>;
  search(text: string, limit: number): Promise<SearchHit[]>;
  /** Organisations seen in the cache (agents' queue filter). */
  organizations(): Promise<OrgRef[]>;
  outbox(): Promise<OutboxItem[]>;
  syncState(): Promise<SyncState>;
  unreadCount(): Promise<number>;

  // --- drafts: key `new-ticket` or `reply:<ticket id>`
  draft(key: string): Promise<Draft | null>;
  saveDraft(key: string, input: DraftInput): Promise<void>;
  /** Copies the files into the app's data dir at once and adds them to the draft. */
  attachFiles(key: string, paths: string[]): Promise<LocalFile[]>;
  /** A pasted image (or other bytes) added to the draft. */
  attachBytes(key: string, filename: string, bytes: Uint8Array): Promise<LocalFile>;
  removeDraftFile(key: string, fileId: string): Promise<void>;
  discardDraft(key: string): Promise<void>;
  /** The native file picker; resolves to the chosen paths ([] when cancelled). */
  pickFiles(): Promise<string[]>;

  // --- writes, through the outbox (shown at once, sent when online)
  submitTicketDraft(): Promise<string>;
  submitReplyDraft(ticketId: string): Promise<string>;
  setStatus(ticketId: string, status: TicketStatus): Promise<void>;
  /** Agents: `null` unassigns. */
  assign(ticketId: string, assigneeId: string | null): Promise<void>;
  retry(outboxSeq: number): Promise<void>;
  /** Gives up on a failed write; its text goes back into the draft. */
  discard(outboxSeq: number): Promise<void>;
  syncNow(): Promise<void>;

  // --- attachments
  /** Downloads if needed (verified) and opens with the system's app. */
  openAttachment(a: Attachment): Promise<void>;
  /** Save dialog; false when cancelled. */
  saveAttachment(a: Attachment): Promise<boolean>;
  /** Where an `<img>` loads the preview of image attachment `a` of ticket `ticketId` from (the
   *  app's `desk-file` scheme: made from the verified local copy, downloaded on first use, and
   *  scaled to the thumbnail's box at `scale` device pixels per CSS pixel). */
  previewUrl(ticketId: string, a: Attachment, scale: number): string;

  // --- the customer page
  preferences(): Promise<Preferences>;
  setPreferences(p: Preferences): Promise<void>;
  storageInfo(): Promise<StorageInfo>;

  // --- outages (desk_domain::incident; desk-client's incidents.rs)
  /**
   * Before filing: is an outage of this kind already known for my organisation (an open
   * incident, or my own report still being sent)? From the cache, so offline too.
   */
  knownOutage(kind: OutageKind): Promise<KnownOutage | null>;
  /**
   * Files the report form's draft (key `outage`, its `topic_id` the kind) as an outage report:
   * an urgent ticket through the outbox like any write (shown at once, sent when online), which
   * the server links to an incident. Answers the report ticket's id.
   */
  submitOutageDraft(): Promise<string>;
  /** `open`, `resolved`, `merged` or `all`; open first (cache). */
  incidents(status: 'open' | 'resolved' | 'all'): Promise<Incident[]>;
  /** One incident with the linked reports the cache holds. */
  incident(id: string): Promise<IncidentView | null>;
  /** Agents, online: each answers the incident once the server has it. */
  acknowledgeIncident(id: string): Promise<Incident>;
  postIncidentUpdate(id: string, body: string): Promise<Incident>;
  resolveIncident(id: string, body: string): Promise<Incident>;
  updateIncident(id: string, update: UpdateIncident): Promise<Incident>;
  /** `from`'s reports join `into`; `from` becomes merged. */
  mergeIncidents(into: string, from: string): Promise<Incident>;
  /** Announces an outage nobody reported yet. */
  announceIncident(input: AnnounceInput): Promise<Incident>;
  /** The duty roster (agents), on duty first. */
  dutyRoster(): Promise<DutyAgent[]>;
  setOnDuty(onDuty: boolean): Promise<DutyAgent>;

  // --- Telegram (desk-client's telegram.rs), online
  /**
   * Customers: a one-time code (valid for minutes) with a `t.me` link to each bot the server
   * runs. Rejects with `telegram_not_configured` when it runs none, `offline` without the server.
   */
  telegramLinkCode(): Promise<LinkCode>;
  /**
   * The linked chats (customers: their organisation's; agents: `organizationId`'s, or all).
   * Offline: the list last read, with `offline` set.
   */
  telegramLinks(organizationId: string | null): Promise<LinkedChats>;
  /** Unlinks a chat: the bot sends it nothing more. */
  unlinkTelegram(id: string): Promise<void>;
  /** Opens a bot's `t.me` link in the system's browser. */
  openTelegramLink(url: string): Promise<void>;
  /**
   * Requests of chats that wrote to a bot without a link code. Agents: every waiting one
   * (newest first), then the latest decided (from the cache, offline too). Customers: the
   * waiting ones naming their service, from the server (offline: as last read, `offline` set).
   */
  telegramRequests(): Promise<TelegramRequests>;
  /** Links the chat: agents to `organizationId` (null: the suggested one), customers to theirs. */
  approveTelegramRequest(id: string, organizationId: string | null): Promise<TelegramRequest>;
  dismissTelegramRequest(id: string): Promise<TelegramRequest>;

  // --- events
  /** ModelsChanged, Notify, State. */
  onEvent(handler: (e: ClientEvent) => void): Promise<Unlisten>;
  onFileDrop(handler: (d: FileDrop) => void): Promise<Unlisten>;
  /** A notification was clicked: open this ticket. */
  onOpenTicket(handler: (ticketId: string) => void): Promise<Unlisten>;
  /** An incident notification with no ticket of mine was clicked: open the incident. */
  onOpenIncident(handler: (incidentId: string) => void): Promise<Unlisten>;
  /** An unverified report from Telegram was clicked (agents): open the requests. */
  onOpenTelegramRequest(handler: (requestId: string) => void): Promise<Unlisten>;
}
