//! A form backed by a draft in the core (the create-ticket form, a reply box): restored when
//! opened, autosaved a moment after the last keystroke, and flushed before sending or leaving.
//! Files are copied by the core at once, so a draft's files survive a restart too.

import type { Platform } from '../platform/platform';
import type { DraftInput, LocalFile } from '../types/bindings';
import { MAX_FILE_BYTES, fileProblems, type FileProblem } from '../files/limits';
import { clipboardImages, readPasted, type PastedFile } from '../files/paste';
import { problemText } from './problems';
import { errorText } from '../app/errors';

export class DraftForm {
  topicId = $state<string | null>(null);
  subject = $state('');
  body = $state('');
  internal = $state(false);
  files = $state<LocalFile[]>([]);
  loaded = $state(false);
  /** The last save went through (for the "draft saved" hint). */
  saved = $state(false);
  attaching = $state(false);
  error = $state<string | null>(null);

  private timer: ReturnType<typeof setTimeout> | null = null;
  private saving: Promise<void> | null = null;

  constructor(
    private readonly platform: Platform,
    readonly key: string,
    private readonly delayMs: number,
  ) {}

  get problems(): FileProblem[] {
    return fileProblems(this.files);
  }

  get input(): DraftInput {
    return { topic_id: this.topicId, subject: this.subject, body: this.body, internal: this.internal };
  }

  get empty(): boolean {
    return !this.subject.trim() && !this.body.trim() && this.files.length === 0 && !this.topicId;
  }

  async load(): Promise<void> {
    try {
      const d = await this.platform.draft(this.key);
      if (d) {
        this.topicId = d.topic_id;
        this.subject = d.subject;
        this.body = d.body;
        this.internal = d.internal;
        this.files = d.files;
      }
    } catch (e) {
      this.error = errorText(e);
    } finally {
      this.loaded = true;
    }
  }

  /** Call on every edit: saves once the typing pauses. */
  touch(): void {
    this.saved = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.save();
    }, this.delayMs);
  }

  private save(): Promise<void> {
    const input = this.input;
    const run = (async () => {
      try {
        await this.saving;
        await this.platform.saveDraft(this.key, input);
        this.saved = true;
      } catch (e) {
        this.error = errorText(e);
      }
    })();
    this.saving = run;
    return run;
  }

  /** Saves now if an edit is waiting (before sending, leaving the screen, or closing). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      await this.save();
    } else {
      await this.saving;
    }
  }

  async attachPaths(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    this.attaching = true;
    this.error = null;
    try {
      // The draft row must exist (and hold the latest text) before files join it.
      await this.flush();
      const added = await this.platform.attachFiles(this.key, paths);
      this.files = [...this.files, ...added];
    } catch (e) {
      this.error = errorText(e);
      // Some files may have been added before the one that failed.
      await this.reloadFiles();
    } finally {
      this.attaching = false;
    }
  }

  async attachPasted(pasted: PastedFile[], tooLargeText: (name: string, size: number) => string): Promise<void> {
    this.error = null;
    for (const p of pasted) {
      if (p.bytes.length > MAX_FILE_BYTES) {
        this.error = tooLargeText(p.filename, p.bytes.length);
        continue;
      }
      this.attaching = true;
      try {
        await this.flush();
        const f = await this.platform.attachBytes(this.key, p.filename, p.bytes);
        this.files = [...this.files, f];
      } catch (e) {
        this.error = errorText(e);
      } finally {
        this.attaching = false;
      }
    }
  }

  /** A text field's `onpaste`: pasted images join the draft as files; other pastes go on as usual. */
  paste = async (e: ClipboardEvent): Promise<void> => {
    const images = clipboardImages(e.clipboardData);
    if (images.length === 0) return;
    e.preventDefault();
    await this.attachPasted(await readPasted(images), (name, n) => problemText({ kind: 'too_large', filename: name, size: n }));
  };

  async pick(): Promise<void> {
    try {
      const paths = await this.platform.pickFiles();
      await this.attachPaths(paths);
    } catch (e) {
      this.error = errorText(e);
    }
  }

  async removeFile(id: string): Promise<void> {
    try {
      await this.platform.removeDraftFile(this.key, id);
      this.files = this.files.filter((f) => f.id !== id);
    } catch (e) {
      this.error = errorText(e);
    }
  }

  private async reloadFiles(): Promise<void> {
    try {
      const d = await this.platform.draft(this.key);
      this.files = d?.files ?? [];
    } catch {
      // keep what we show
    }
  }

  /** After the core took the draft into the outbox: an empty form. */
  clear(keepTopic = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!keepTopic) this.topicId = null;
    this.subject = '';
    this.body = '';
    this.files = [];
    this.saved = false;
    this.error = null;
  }

  async discard(): Promise<void> {
    this.clear();
    try {
      await this.platform.discardDraft(this.key);
    } catch (e) {
      this.error = errorText(e);
    }
  }
}
