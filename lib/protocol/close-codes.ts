/**
 * WebSocket close codes Loupe uses, named. 4000–4999 is the application range;
 * each mirrors an HTTP status where one fits (4401 ~ 401) so logs read alike.
 */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  /** No or invalid credentials on the upgrade or on a live re-check. */
  UNAUTHORIZED: 4401,
  /** Credentials are valid but were revoked or the member was removed. */
  REVOKED: 4403,
  /** The caller's role or the artifact's visibility changed: reconnect to get the new access (or a 4404). */
  ACCESS_CHANGED: 4409,
  /** Unknown artifact, or one the caller may not see: never says which. */
  NOT_FOUND: 4404,
  /** A message that is not valid y-websocket protocol, or an update that does not decode. */
  MALFORMED: 4400,
  /** A message, resulting page or resulting document over its size limit. */
  TOO_LARGE: 4413,
  /** An update that decodes but writes what this room's clients may not (another root, a server-owned key, binary, embeds, nesting). */
  DISALLOWED_UPDATE: 4422,
  /** The caller sent more than the rate limit allows (requests, or whole-state requests on one socket). */
  RATE_LIMITED: 4429,
  /** The account already holds as many live sockets as it may (MAX_SOCKETS_PER_PRINCIPAL); close one first. */
  TOO_MANY_SOCKETS: 4430,
  /** Storage failed; the room was reset so memory never diverges from what is durable. */
  STORAGE_FAILED: 4500,
  /** The reader fell too far behind (its send buffer is over the limit); it may reconnect and resync. */
  SLOW_CONSUMER: 4508,
  /** The server is shutting down; reconnect elsewhere or later. */
  SHUTTING_DOWN: 4503,
} as const;

export type CloseCodeName = keyof typeof CloseCode;
export type CloseCodeValue = (typeof CloseCode)[CloseCodeName];

export function closeCodeName(code: number): CloseCodeName | undefined {
  return (Object.keys(CloseCode) as CloseCodeName[]).find((name) => CloseCode[name] === code);
}
