//! File-limit problems as sentences for the form.

import type { FileProblem } from '../files/limits';
import { MAX_FILES, MAX_FILE_BYTES } from '../files/limits';
import { size, t } from '../i18n/i18n.svelte';

export function problemText(p: FileProblem): string {
  return p.kind === 'too_large'
    ? t('files.too_large', { name: p.filename, size: size(p.size), max: size(MAX_FILE_BYTES) })
    : t('files.too_many', { n: p.count, max: MAX_FILES });
}
