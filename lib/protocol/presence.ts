/**
 * Presence colours: a stable colour per user id, so everyone sees the same
 * colour for the same person. Avatars draw white initials on them, so each
 * keeps at least 4.5:1 against white (WCAG 2.1 AA for small text).
 */
export const PRESENCE_PALETTE = ['#ce2c31', '#c2410c', '#a16207', '#2a7e3b', '#0f766e', '#0068d6', '#3e63dd', '#8e4ec6', '#be185d', '#8a5a3b'] as const;

export function colorFor(id: string): string {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (Math.imul(hash, 31) + id.charCodeAt(i)) | 0;
  return PRESENCE_PALETTE[Math.abs(hash) % PRESENCE_PALETTE.length];
}
