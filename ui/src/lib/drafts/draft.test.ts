import { describe, expect, it, vi } from 'vitest';
import { MockPlatform } from '../platform/mock';
import { DraftForm } from './draft.svelte';

describe('DraftForm', () => {
  it('restores a saved draft with its files', async () => {
    const p = new MockPlatform({ account: 'customer' });
    await p.saveDraft('new-ticket', { topic_id: 'tariffs', subject: 'Тариф', body: 'Текст', internal: false });
    await p.attachFiles('new-ticket', ['/tmp/тариф.png']);
    const f = new DraftForm(p, 'new-ticket', 10);
    await f.load();
    expect(f.topicId).toBe('tariffs');
    expect(f.subject).toBe('Тариф');
    expect(f.files.map((x) => x.filename)).toEqual(['тариф.png']);
  });

  it('saves once after a burst of edits, and flush saves at once', async () => {
    const p = new MockPlatform({ account: 'customer' });
    const spy = vi.spyOn(p, 'saveDraft');
    const f = new DraftForm(p, 'reply:x', 30);
    f.body = 'Д';
    f.touch();
    f.body = 'Доб';
    f.touch();
    f.body = 'Добрий день';
    f.touch();
    await new Promise((r) => setTimeout(r, 80));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy).toHaveBeenLastCalledWith('reply:x', { topic_id: null, subject: '', body: 'Добрий день', internal: false });
    f.body = 'Добрий день!';
    f.touch();
    await f.flush();
    expect(spy).toHaveBeenCalledTimes(2);
    expect(f.saved).toBe(true);
  });

  it('shows the core error for a file over the limit and keeps the others', async () => {
    const p = new MockPlatform({ account: 'customer' });
    p.fileSizes.set('/v/відео.mp4', 300 * 1024 * 1024);
    const f = new DraftForm(p, 'new-ticket', 10);
    await f.attachPaths(['/v/фото.jpg', '/v/відео.mp4']);
    expect(f.error).toContain('завеликий');
    expect(f.files.map((x) => x.filename)).toEqual(['фото.jpg']);
  });

  it('refuses a pasted image over the limit without calling the core', async () => {
    const p = new MockPlatform({ account: 'customer' });
    const spy = vi.spyOn(p, 'attachBytes');
    const f = new DraftForm(p, 'new-ticket', 10);
    const huge = { filename: 'x.png', mediaType: 'image/png', bytes: { length: 201 * 1024 * 1024 } as Uint8Array };
    await f.attachPasted([huge], (n, size) => `too large: ${n} ${size}`);
    expect(spy).not.toHaveBeenCalled();
    expect(f.error).toBe(`too large: x.png ${201 * 1024 * 1024}`);
  });
});
