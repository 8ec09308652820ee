/**
 * A page's ETag: the content room's last durable seq. Cheap, and it changes with every stored change.
 * The use cases (writes, checkpoints, restores) compare and return it; the HTTP layer only carries it.
 */
export function formatEtag(seq: number): string {
  return `"${seq}"`;
}
