import type { CDPSession, Frame, Page } from '@playwright/test';

/**
 * Reads the frame's review overlay. Its shadow root is closed, so neither the
 * artifact nor Playwright's locators can see inside; the DevTools protocol
 * (`DOM.getDocument` with `pierce`) can, as a person's browser would render it.
 */

/** The parts of a CDP DOM node this probe reads. */
interface DomNode {
  nodeId: number;
  nodeType: number;
  localName: string;
  nodeValue: string;
  attributes?: string[];
  children?: DomNode[];
  shadowRoots?: DomNode[];
}

/** A box in overlay coordinates, which are document coordinates (CSS px from the page's top-left). */
export interface OverlayBox {
  left: number;
  top: number;
  width: number | null;
  height: number | null;
}

export interface PinView {
  nodeId: number;
  label: string;
  ariaLabel: string;
  isActive: boolean;
  state: string;
  box: OverlayBox;
}

export interface OverlaySnapshot {
  /** How many overlay hosts the document holds (there must only ever be one). */
  hostCount: number;
  /** In DOM order, which is tab order. */
  pins: PinView[];
  /** The pick-mode outline, or null while hidden. */
  pick: { nodeId: number; box: OverlayBox; label: string } | null;
  flashCount: number;
}

function attributesOf(node: DomNode): Record<string, string> {
  const flat = node.attributes ?? [];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

function textOf(node: DomNode): string {
  if (node.nodeType === 3) return node.nodeValue;
  return (node.children ?? []).map(textOf).join('');
}

function walk(node: DomNode, visit: (node: DomNode) => void): void {
  visit(node);
  for (const child of node.children ?? []) walk(child, visit);
  for (const root of node.shadowRoots ?? []) walk(root, visit);
}

function boxFrom(style: string): OverlayBox {
  const read = (name: string): number | null => {
    const match = new RegExp(`(?:^|;)${name}:(-?[\\d.]+)px`).exec(style);
    return match ? Number(match[1]) : null;
  };
  return { left: read('left') ?? Number.NaN, top: read('top') ?? Number.NaN, width: read('width'), height: read('height') };
}

export class OverlayProbe {
  private constructor(private readonly session: CDPSession) {}

  static async open(page: Page, frame: Frame): Promise<OverlayProbe> {
    const session = await page.context().newCDPSession(frame);
    await session.send('DOM.enable');
    return new OverlayProbe(session);
  }

  async read(): Promise<OverlaySnapshot> {
    const { root } = await this.session.send('DOM.getDocument', { depth: -1, pierce: true });
    const hosts: DomNode[] = [];
    walk(root, (node) => {
      if (node.localName === 'loupe-overlay') hosts.push(node);
    });
    const snapshot: OverlaySnapshot = { hostCount: hosts.length, pins: [], pick: null, flashCount: 0 };
    const shadow = hosts[0]?.shadowRoots?.[0];
    if (!shadow) return snapshot;
    walk(shadow, (node) => {
      const attributes = attributesOf(node);
      const classes = (attributes.class ?? '').split(' ');
      const box = boxFrom(attributes.style ?? '');
      if (node.localName === 'button' && classes.includes('pin')) {
        snapshot.pins.push({
          nodeId: node.nodeId,
          label: textOf(node),
          ariaLabel: attributes['aria-label'] ?? '',
          isActive: classes.includes('active'),
          state: attributes['data-state'] ?? '',
          box,
        });
      } else if (classes.includes('pick') && !('hidden' in attributes)) {
        snapshot.pick = { nodeId: node.nodeId, box, label: textOf(node) };
      } else if (classes.includes('flash')) {
        snapshot.flashCount += 1;
      }
    });
    return snapshot;
  }

  /** Computed style of a node from the last read (as the browser renders it). */
  async computed(nodeId: number, names: readonly string[]): Promise<Record<string, string>> {
    await this.session.send('CSS.enable');
    const { computedStyle } = await this.session.send('CSS.getComputedStyleForNode', { nodeId });
    const out: Record<string, string> = {};
    for (const { name, value } of computedStyle) if (names.includes(name)) out[name] = value;
    return out;
  }

  /** Keyboard focus on a node from the last read (as Tab would put it there). */
  async focus(nodeId: number): Promise<void> {
    await this.session.send('DOM.focus', { nodeId });
  }

  async close(): Promise<void> {
    await this.session.detach();
  }
}
