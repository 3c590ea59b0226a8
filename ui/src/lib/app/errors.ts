//! The text to show for a rejection: the core's message is already in the user's language.

export function errorText(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

export function errorCode(e: unknown): string | null {
  if (e && typeof e === 'object' && 'code' in e) return String((e as { code: unknown }).code);
  return null;
}
