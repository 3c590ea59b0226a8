import { describe, expect, it } from 'vitest';
import { decideDrop, type DropZone } from './drop';

const create: DropZone = { key: 'new-ticket', box: { left: 200, top: 60, right: 1280, bottom: 760 } };
const reply: DropZone = { key: 'reply:t1', box: { left: 200, top: 560, right: 1280, bottom: 760 } };
const hidden: DropZone = { key: 'reply:t2', box: { left: 0, top: 0, right: 0, bottom: 0 } };

const drop = (x: number, y: number, paths = ['/home/o/скрин.png']) => ({ paths, x, y });

describe('decideDrop', () => {
  it('attaches to the form under the drop point', () => {
    expect(
      decideDrop(drop(600, 600), { zones: [reply], activeKey: null, canCreateTicket: true }),
    ).toEqual({ kind: 'attach', key: 'reply:t1' });
  });

  it('picks the innermost of nested zones', () => {
    expect(
      decideDrop(drop(600, 600), { zones: [create, reply], activeKey: null, canCreateTicket: true }),
    ).toEqual({ kind: 'attach', key: 'reply:t1' });
  });

  it('falls back to the active form when dropped outside every zone', () => {
    expect(
      decideDrop(drop(50, 50), { zones: [create, reply], activeKey: 'new-ticket', canCreateTicket: true }),
    ).toEqual({ kind: 'attach', key: 'new-ticket' });
  });

  it('falls back to the only form on screen', () => {
    expect(
      decideDrop(drop(10, 10), { zones: [reply, hidden], activeKey: 'reply:t2', canCreateTicket: true }),
    ).toEqual({ kind: 'attach', key: 'reply:t1' });
  });

  it('starts a new ticket when no form is on screen', () => {
    expect(decideDrop(drop(10, 10), { zones: [], activeKey: null, canCreateTicket: true })).toEqual({
      kind: 'new-ticket',
    });
  });

  it('ignores a drop off the forms for agents, and an empty drop', () => {
    expect(decideDrop(drop(10, 10), { zones: [], activeKey: null, canCreateTicket: false })).toEqual({
      kind: 'ignore',
    });
    expect(
      decideDrop(drop(600, 600, []), { zones: [reply], activeKey: null, canCreateTicket: true }),
    ).toEqual({ kind: 'ignore' });
  });

  it('is ambiguous with two forms and no active one: ignored', () => {
    const other: DropZone = { key: 'reply:t3', box: { left: 0, top: 0, right: 100, bottom: 100 } };
    expect(
      decideDrop(drop(500, 100), { zones: [reply, other], activeKey: null, canCreateTicket: true }),
    ).toEqual({ kind: 'ignore' });
  });
});
