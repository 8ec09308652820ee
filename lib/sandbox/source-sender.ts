/**
 * The app side of the delta protocol: forwards a live page source to a frame
 * as `patch` messages carrying what changed, batched per animation frame, and
 * as a full `render` only when it must (first render, a frame (re)load, the
 * frame's `resync`, a burst too big for one patch, a frame that does not take
 * patches). No DOM, no React: the live view's hook gives it a scheduler and a
 * way to post, tests give it a Y.Doc and a list.
 */
import { compose, fitsInPatch, fromYDelta, type YDeltaEntry } from './delta';
import type { DeltaOp, SourceFormat } from './limits';
import { patchMessage, renderMessage, type AppPatchMessage, type AppRenderMessage } from './bridge';

/** What the sender needs of a Y.Text (which has it all). */
export interface ObservableSource {
  readonly length: number;
  toString(): string;
  observe(listener: (event: { delta: readonly YDeltaEntry[] }) => void): void;
  unobserve(listener: (event: { delta: readonly YDeltaEntry[] }) => void): void;
}

export interface SourceSenderOptions {
  source: ObservableSource;
  /** Posts a message to the frame; called only while `canSend()` holds. */
  post: (message: AppRenderMessage | AppPatchMessage) => void;
  /** Whether the frame is listening and the source is complete (frame ready, room synced). */
  canSend: () => boolean;
  /** Runs `callback` once soon (the next animation frame); returns the function that cancels it. */
  schedule: (callback: () => void) => () => void;
  format?: SourceFormat;
  /** The first revision is one more than this; revisions only need to increase per frame document. */
  startRev?: number;
  /**
   * Where revisions come from when the caller keeps the count (a frame host whose
   * content source can change must keep them increasing across sources); else
   * the sender counts up from `startRev`.
   */
  nextRev?: () => number;
}

export class SourceSender {
  private rev: number;
  /** The next flush sends the whole source. */
  private needsRender = true;
  /** The frame document said it applies patches. */
  private acceptsPatches = false;
  /** What changed since the last message, composed. */
  private pending: DeltaOp[] = [];
  private cancelScheduled: (() => void) | null = null;
  private readonly format: SourceFormat;

  constructor(private readonly options: SourceSenderOptions) {
    this.rev = options.startRev ?? 0;
    this.format = options.format ?? 'html';
    options.source.observe(this.onChange);
  }

  /** Stops observing; nothing more is sent. */
  dispose(): void {
    this.options.source.unobserve(this.onChange);
    this.cancelScheduled?.();
    this.cancelScheduled = null;
  }

  /** The revision of the last message sent (or the start revision). */
  get revision(): number {
    return this.rev;
  }

  /** A frame document said `ready`: it holds nothing, so the next message is a full render. */
  frameReady(acceptsPatches: boolean): void {
    this.acceptsPatches = acceptsPatches;
    this.requestRender();
  }

  /** The frame asked for the whole source (`resync`), or the caller wants a full render (room synced). */
  requestRender(): void {
    this.needsRender = true;
    this.pending = [];
    this.schedule();
  }

  private readonly onChange = (event: { delta: readonly YDeltaEntry[] }): void => {
    if (this.needsRender || !this.acceptsPatches) {
      this.schedule();
      return;
    }
    const ops = fromYDelta(event.delta);
    if (ops === null) {
      this.requestRender();
      return;
    }
    this.pending = compose(this.pending, ops);
    if (!fitsInPatch(this.pending)) {
      this.requestRender();
      return;
    }
    this.schedule();
  };

  private takeRev(): number {
    return this.options.nextRev ? this.options.nextRev() : this.rev + 1;
  }

  private schedule(): void {
    if (this.cancelScheduled !== null) return;
    this.cancelScheduled = this.options.schedule(() => {
      this.cancelScheduled = null;
      this.flush();
    });
  }

  /** Sends what is due now; exported for the scheduler only. */
  flush(): void {
    if (!this.options.canSend()) {
      // Whatever the frame holds is unknown until it says `ready` or the room syncs: start over then.
      this.needsRender = true;
      this.pending = [];
      return;
    }
    if (this.needsRender || !this.acceptsPatches) {
      this.needsRender = false;
      this.pending = [];
      this.rev = this.takeRev();
      this.options.post(renderMessage(this.rev, this.options.source.toString(), this.format));
      return;
    }
    if (this.pending.length === 0) return;
    const ops = this.pending;
    this.pending = [];
    const base = this.rev;
    this.rev = this.takeRev();
    this.options.post(patchMessage(this.rev, base, ops, this.options.source.length, this.format));
  }
}
