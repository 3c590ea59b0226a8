//! Images pasted from the clipboard (a screenshot of an error, most often) become draft files.

export interface PastedFile {
  filename: string;
  mediaType: string;
  bytes: Uint8Array;
}

const EXT: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/bmp': 'bmp',
  'image/tiff': 'tiff',
};

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * A name for a pasted image. Clipboards name every screenshot `image.png`; a dated name keeps
 * several pastes apart in the list and in support's downloads.
 */
export function pastedFilename(mediaType: string, now: Date, given?: string): string {
  const generic = !given || /^image\.\w+$/i.test(given);
  if (!generic) return given;
  const ext = EXT[mediaType] ?? 'png';
  const stamp =
    `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-` +
    `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `screenshot-${stamp}.${ext}`;
}

/** The image files on a paste event's clipboard; empty when the paste is plain text. */
export function clipboardImages(data: DataTransfer | null): File[] {
  if (!data) return [];
  const out: File[] = [];
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind === 'file' && item.type.startsWith('image/')) {
      const f = item.getAsFile();
      if (f) out.push(f);
    }
  }
  if (out.length === 0) {
    for (const f of Array.from(data.files ?? [])) {
      if (f.type.startsWith('image/')) out.push(f);
    }
  }
  return out;
}

async function fileBytes(f: Blob): Promise<Uint8Array> {
  if (typeof f.arrayBuffer === 'function') return new Uint8Array(await f.arrayBuffer());
  return await new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(new Uint8Array(r.result as ArrayBuffer));
    r.onerror = () => reject(r.error ?? new Error('read failed'));
    r.readAsArrayBuffer(f);
  });
}

export async function readPasted(files: File[], now: Date = new Date()): Promise<PastedFile[]> {
  const out: PastedFile[] = [];
  for (const f of files) {
    out.push({
      filename: pastedFilename(f.type, now, f.name),
      mediaType: f.type,
      bytes: await fileBytes(f),
    });
  }
  return out;
}
