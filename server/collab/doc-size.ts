import { AppError } from '../../lib/errors';

/**
 * Bounds the encoded size of a room's whole document without encoding it on
 * every write. The estimate is the last exact size plus every byte applied
 * since (an update never grows the encoded state by more than its own
 * size, give or take a split item's header); only when the estimate could
 * cross the limit is the document encoded to measure it, at most once per
 * change.
 */
export class DocSizeGauge {
  private base: number;
  private grown = 0;
  private isExact: boolean;

  constructor(
    private readonly limit: number,
    /** Encodes the document and returns its size in bytes. */
    private readonly measure: () => number,
    initialBytes: number,
  ) {
    this.base = initialBytes;
    this.isExact = false;
  }

  /** The document now encodes to exactly `bytes` (a fresh snapshot). */
  measured(bytes: number): void {
    this.base = bytes;
    this.grown = 0;
    this.isExact = true;
  }

  /**
   * An upper bound of the document's encoded size now, without encoding it
   * (the room also reserves this much for a sync answer it makes).
   */
  get estimate(): number {
    return this.base + this.grown;
  }

  /** `bytes` more were applied to the document. */
  grew(bytes: number): void {
    this.grown += bytes;
    this.isExact = false;
  }

  /** Throws `payload_too_large` when applying an update of `bytes` could take the document past the limit. */
  admit(bytes: number, what: string): void {
    if (this.estimate + bytes <= this.limit) return;
    if (!this.isExact) this.measured(this.measure());
    if (this.base + bytes > this.limit) {
      throw new AppError('payload_too_large', `The ${what} would exceed its limit of ${formatMiB(this.limit)}; nothing was stored.`);
    }
  }
}

function formatMiB(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}
