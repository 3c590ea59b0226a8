//! Bytes to base64 for `attach_bytes` (IPC carries JSON; a pasted screenshot is a few MB).

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000; // keep apply() under the engine's argument limit
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
