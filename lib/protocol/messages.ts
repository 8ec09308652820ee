/**
 * The standard y-websocket wire protocol (y-protocols): the first varUint of
 * every binary message names its kind. Sync messages carry a second varUint.
 */
export const MessageType = {
  SYNC: 0,
  AWARENESS: 1,
  AUTH: 2,
  QUERY_AWARENESS: 3,
} as const;

export const SyncMessageType = {
  STEP1: 0,
  STEP2: 1,
  UPDATE: 2,
} as const;

/** Hard cap for one page, in bytes of UTF-8 (HTTP) or UTF-16 code units (live edits). */
export const MAX_PAGE_BYTES = 16 * 1024 * 1024;
/** One WebSocket message may carry at most a whole page plus protocol framing. */
export const MAX_MESSAGE_BYTES = MAX_PAGE_BYTES + 64 * 1024;
