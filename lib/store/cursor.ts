/** Keyset-pagination cursor over (updatedAt, id): opaque to clients, validated on the way in. */
export function encodeCursor(updatedAt: number, id: string): string {
  return Buffer.from(JSON.stringify([updatedAt, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { updatedAt: number; id: string } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return { updatedAt: value[0], id: value[1] };
    }
  } catch (error) {
    // An unparseable cursor is treated as "from the start": it carries no authority.
    if (!(error instanceof SyntaxError)) throw error;
  }
  return null;
}
