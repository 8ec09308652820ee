/** Display formatting shared by pages. Pure; safe on server and client. */

const UNITS: ReadonlyArray<readonly [Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

/** "just now", "5 minutes ago", "yesterday"… relative to `nowMs`. */
export function formatRelativeTime(iso: string, nowMs: number): string {
  const seconds = Math.round((Date.parse(iso) - nowMs) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (Math.abs(seconds) < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(Math.round(seconds / 60) || -1, 'minute');
}

/** "23 Nov 2025, 21:04" style, for tooltips and <time title>. */
export function formatAbsoluteTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? absolute.format(ms) : '';
}

/** 0 B, 812 B, 4.2 KB, 1.3 MB (powers of 1024, as the 16 MiB limit is). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Up to two letters for an avatar: "Ada Lovelace" → "AL", "deploy-bot" → "DB", "ci" → "CI". */
export function initialsOf(name: string): string {
  // Letters and digits only, so "Default agent (agent)" gives "DA", not "D(".
  const words = name.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (words.length === 0) return '?';
  if (words.length === 1) return words[0].slice(0, 2).toUpperCase();
  return (words[0][0] + words[words.length - 1][0]).toUpperCase();
}

/** "project · session", skipping whichever is empty. */
export function joinContext(project: string, session: string): string {
  return [project, session].filter((part) => part.trim() !== '').join(' · ');
}
