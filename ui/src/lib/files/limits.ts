//! Attachment limits, checked in the UI before anything is saved or sent (the core and the
//! server check them again).

/** 200 MiB per file: the server's default attachment limit. */
export const MAX_FILE_BYTES = 200 * 1024 * 1024;
/** At most 20 files in one ticket or message. */
export const MAX_FILES = 20;

export interface SizedFile {
  filename: string;
  size: number;
}

export type FileProblem =
  | { kind: 'too_large'; filename: string; size: number }
  | { kind: 'too_many'; count: number };

/** Everything that stops these files from being sent, in the order a person fixes them. */
export function fileProblems(files: readonly SizedFile[]): FileProblem[] {
  const out: FileProblem[] = [];
  for (const f of files) {
    if (f.size > MAX_FILE_BYTES) out.push({ kind: 'too_large', filename: f.filename, size: f.size });
  }
  if (files.length > MAX_FILES) out.push({ kind: 'too_many', count: files.length });
  return out;
}

export function tooLarge(f: SizedFile): boolean {
  return f.size > MAX_FILE_BYTES;
}
