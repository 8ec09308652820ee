/**
 * What the frame needs of a source format (the `format` of `render` and
 * `patch`): HTML today, Markdown next. A format keeps the page source between
 * messages, applies deltas to it, and says which part of the page a change
 * re-renders. The render pipeline (parse → vnodes → morph) is the same for
 * every format: a format hands it either the whole page or a region (a run
 * of children of one element, with the source to build them from and the
 * context element to parse it in).
 *
 * Pure: no DOM.
 */
import type { DeltaOp, SourceFormat } from '../../sandbox/limits';
import { HtmlSource, type RegionUpdate, type SourceNode } from './html-source';

export interface IncrementalSource {
  readonly format: SourceFormat;
  /** The source length, in UTF-16 code units. */
  readonly length: number;
  /** Applies a delta; false (nothing changed) when it does not fit: the frame asks for a full render. */
  apply(ops: readonly DeltaOp[], expectedLength: number): boolean;
  /** Re-parses what changed: a region, 'clean' when nothing did, null when only a full render will do. */
  update(): RegionUpdate | 'clean' | null;
  /** The whole source, for a full render (after which `reset`). */
  text(): string;
  /** Recomputes everything from a full parse of the current source (after a full render). */
  reset(): void;
  /** The page was rendered whole from the current source; positions may follow later. */
  markRendered(): void;
}

class HtmlFormat implements IncrementalSource {
  readonly format = 'html' as const;

  constructor(private readonly source: HtmlSource) {}

  get length(): number {
    return this.source.rope.length;
  }

  apply(ops: readonly DeltaOp[], expectedLength: number): boolean {
    return this.source.apply(ops, expectedLength);
  }

  update(): RegionUpdate | 'clean' | null {
    return this.source.update();
  }

  text(): string {
    return this.source.rope.toString();
  }

  reset(): void {
    this.source.reset();
  }

  markRendered(): void {
    this.source.markRendered();
  }

  /** The position tree, for aligning with the rendered page. */
  get positions(): HtmlSource {
    return this.source;
  }
}

/** The source of a full `render` in its format. */
export function openSource(format: SourceFormat, text: string): IncrementalSource {
  switch (format) {
    case 'html':
      return new HtmlFormat(HtmlSource.parse(text).source);
  }
}

/**
 * Pairs the position tree with another tree of the same page (the frame's
 * vnodes, the DOM a parser built) by a parallel walk: `ref` of each position
 * node becomes its counterpart. `childrenOf` lists a node's children as the
 * position tree has them (a consumer that drops some nodes, such as
 * neutralised elements, returns null in their place). False at the first
 * node that does not match (the two parsers disagree): the caller turns
 * incremental rendering off until the next full render.
 */
export function align<T>(
  root: SourceNode,
  other: T,
  childrenOf: (node: T) => readonly (T | null)[],
  matches: (position: SourceNode, node: T) => boolean,
): boolean {
  const stack: [SourceNode, T][] = [[root, other]];
  while (stack.length > 0) {
    const [position, node] = stack.pop()!;
    if (!matches(position, node)) return false;
    position.ref = node;
    const kids = childrenOf(node);
    if (kids.length !== position.children.length) return false;
    for (let i = 0; i < kids.length; i++) {
      const kid = kids[i];
      if (kid === null) position.children[i].ref = null;
      else stack.push([position.children[i], kid]);
    }
  }
  return true;
}
