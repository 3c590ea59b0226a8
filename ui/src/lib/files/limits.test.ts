import { describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, fileProblems } from './limits';

describe('fileProblems', () => {
  it('accepts a file of exactly 200 MiB', () => {
    expect(fileProblems([{ filename: 'a.mp4', size: MAX_FILE_BYTES }])).toEqual([]);
  });

  it('refuses a file over 200 MiB', () => {
    expect(fileProblems([{ filename: 'big.mp4', size: MAX_FILE_BYTES + 1 }])).toEqual([
      { kind: 'too_large', filename: 'big.mp4', size: MAX_FILE_BYTES + 1 },
    ]);
  });

  it('refuses a 21st file', () => {
    const files = Array.from({ length: 21 }, (_, i) => ({ filename: `${i}.png`, size: 10 }));
    expect(fileProblems(files)).toEqual([{ kind: 'too_many', count: 21 }]);
    expect(fileProblems(files.slice(0, 20))).toEqual([]);
  });
});
