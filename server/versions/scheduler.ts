import type { Logger } from '../log';
import type { VersionAuthor } from './author';

/**
 * Automatic versions: after writes to a page go quiet for `quietMs`, one
 * version is cut (if the page changed since the last). A fast stream re-arms
 * the timer on every write, so it makes one version, not one per keystroke.
 */
export class VersionScheduler {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; author: VersionAuthor }>();
  private cut: ((artifactId: string, author: VersionAuthor) => Promise<unknown>) | null = null;
  /** Cuts started by a timer and not finished. */
  private running = 0;

  constructor(
    private readonly quietMs: number,
    private readonly logger: Logger,
  ) {}

  /** Bound once the services it needs exist. */
  bind(cut: (artifactId: string, author: VersionAuthor) => Promise<unknown>): void {
    this.cut = cut;
  }

  noteWrite(artifactId: string, author: VersionAuthor): void {
    const existing = this.timers.get(artifactId);
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(artifactId);
      if (!this.cut) return;
      this.running += 1;
      this.cut(artifactId, author)
        .catch((error: unknown) => this.logger.warn('automatic version failed', { artifactId, error }))
        .finally(() => {
          this.running -= 1;
        });
    }, this.quietMs);
    timer.unref();
    this.timers.set(artifactId, { timer, author });
  }

  /** Nothing pending and no cut running (what a test waits for before counting versions). */
  get isIdle(): boolean {
    return this.timers.size === 0 && this.running === 0;
  }

  /** A checkpoint or restore just cut a version: the pending automatic one is not needed. */
  cancel(artifactId: string): void {
    const existing = this.timers.get(artifactId);
    if (existing) clearTimeout(existing.timer);
    this.timers.delete(artifactId);
  }

  /**
   * The author of a pending automatic version, taken off the timer so the
   * caller can cut it now (a review must attach to a version of the page as
   * it stands, not wait for the quiet period).
   */
  takePending(artifactId: string): VersionAuthor | null {
    const existing = this.timers.get(artifactId);
    if (!existing) return null;
    clearTimeout(existing.timer);
    this.timers.delete(artifactId);
    return existing.author;
  }

  /** On shutdown: cut what is pending now rather than lose it. */
  async flush(): Promise<void> {
    const pending = Array.from(this.timers.entries());
    this.timers.clear();
    for (const [artifactId, { timer, author }] of pending) {
      clearTimeout(timer);
      await this.cut?.(artifactId, author).catch((error: unknown) => this.logger.warn('automatic version failed', { artifactId, error }));
    }
  }
}
