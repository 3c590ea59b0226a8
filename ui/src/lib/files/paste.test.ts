import { describe, expect, it } from 'vitest';
import { clipboardImages, pastedFilename, readPasted } from './paste';

describe('pasted images', () => {
  const now = new Date(2026, 10, 24, 14, 5, 9);

  it('names a generic clipboard image by the time it was pasted', () => {
    expect(pastedFilename('image/png', now, 'image.png')).toBe('screenshot-20261124-140509.png');
    expect(pastedFilename('image/jpeg', now)).toBe('screenshot-20261124-140509.jpg');
  });

  it('keeps a real file name', () => {
    expect(pastedFilename('image/png', now, 'помилка-входу.png')).toBe('помилка-входу.png');
  });

  it('takes only images from the clipboard', async () => {
    const png = new File([new Uint8Array([137, 80, 78, 71])], 'image.png', { type: 'image/png' });
    const txt = new File(['hi'], 'a.txt', { type: 'text/plain' });
    const data = {
      items: [
        { kind: 'string', type: 'text/plain', getAsFile: () => null },
        { kind: 'file', type: 'text/plain', getAsFile: () => txt },
        { kind: 'file', type: 'image/png', getAsFile: () => png },
      ],
      files: [],
    } as unknown as DataTransfer;
    const files = clipboardImages(data);
    expect(files).toEqual([png]);
    const read = await readPasted(files, now);
    expect(read[0]?.filename).toBe('screenshot-20261124-140509.png');
    expect(Array.from(read[0]?.bytes ?? [])).toEqual([137, 80, 78, 71]);
  });

  it('ignores a paste with no clipboard', () => {
    expect(clipboardImages(null)).toEqual([]);
  });
});
