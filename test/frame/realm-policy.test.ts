// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { KNOWN_HTML_MEMBERS, removeUnknownParsers, unknownContainers } from '../../lib/frame/guards/realm';

/**
 * The realm guard removes every HTML entry point it does not know, so a
 * parser the browser adds later is absent in the frame rather than a way
 * around the guard. Here on a stand-in global with interfaces of its own;
 * e2e/frame/parser-entry-points.spec.ts checks the same in Chromium.
 */
describe('removeUnknownParsers', () => {
  const makeGlobal = () => {
    class FakeElement {
      get innerHTML(): string {
        return '';
      }
      setHTMLUnsafe(): void {}
      insertAdjacentHTML(): void {}
      streamHTMLUnsafe(): void {}
      appendChild(): void {}
    }
    class FakeDocument {
      static parseHTMLUnsafe(): void {}
      static parseHTMLStreaming(): void {}
      static fromXML(): void {}
    }
    class HTMLFancyElement {}
    const global: Record<string, unknown> = { Element: FakeElement, Document: FakeDocument, HTMLFancyElement, plain: { newHTMLParser() {} } };
    let getterRan = false;
    Object.defineProperty(global, 'trap', {
      get() {
        getterRan = true;
        return FakeElement;
      },
      enumerable: true,
      configurable: true,
    });
    return { global, FakeElement, FakeDocument, HTMLFancyElement, getterRan: () => getterRan };
  };

  it('deletes the unknown ones, on prototypes and interface objects alike, and keeps the known ones', () => {
    const { global, FakeElement, FakeDocument } = makeGlobal();
    const removed = removeUnknownParsers(global);
    expect(removed.sort()).toEqual(['Document.parseHTMLStreaming', 'Element.prototype.streamHTMLUnsafe']);
    expect('streamHTMLUnsafe' in FakeElement.prototype).toBe(false);
    expect('parseHTMLStreaming' in FakeDocument).toBe(false);
    for (const kept of ['setHTMLUnsafe', 'insertAdjacentHTML', 'innerHTML', 'appendChild']) expect(kept in FakeElement.prototype).toBe(true);
    expect('parseHTMLUnsafe' in FakeDocument).toBe(true);
    expect('fromXML' in FakeDocument).toBe(true);
  });

  it('leaves interface objects named HTML… and plain objects alone, and never runs a getter on the global', () => {
    const { global, HTMLFancyElement, getterRan } = makeGlobal();
    removeUnknownParsers(global);
    expect(global.HTMLFancyElement).toBe(HTMLFancyElement);
    expect(typeof (global.plain as { newHTMLParser?: unknown }).newHTMLParser).toBe('function');
    expect(getterRan()).toBe(false);
  });

  it('cannot delete a non-configurable member, and says nothing about it', () => {
    class Locked {}
    Object.defineProperty(Locked.prototype, 'lockedHTML', { value() {}, configurable: false });
    expect(removeUnknownParsers({ Locked })).toEqual([]);
  });

  it('knows exactly the HTML members the frame has reviewed', () => {
    expect([...KNOWN_HTML_MEMBERS].sort()).toEqual(
      ['createHTML', 'createHTMLDocument', 'emptyHTML', 'getCueAsHTML', 'getHTML', 'innerHTML', 'insertAdjacentHTML', 'isHTML', 'outerHTML', 'parseHTML', 'parseHTMLUnsafe', 'setHTML', 'setHTMLUnsafe'].sort(),
    );
  });
});

describe('unknownContainers', () => {
  it('finds element interfaces that expose a nested window or document, other than the frame tags already removed by name', () => {
    class HTMLModelFrameElement extends HTMLElement {
      get contentWindow(): null {
        return null;
      }
    }
    class HTMLSubFrameElement extends HTMLModelFrameElement {}
    class HTMLSvgHostElement extends HTMLElement {
      getSVGDocument(): null {
        return null;
      }
    }
    class NotANode {
      get contentDocument(): null {
        return null;
      }
    }
    class HTMLIFrameElement extends HTMLElement {
      get contentWindow(): null {
        return null;
      }
    }
    const global = { Node, HTMLElement, HTMLModelFrameElement, HTMLSubFrameElement, HTMLSvgHostElement, NotANode, HTMLIFrameElement, HTMLDivElement };
    expect(unknownContainers(global)).toEqual([HTMLModelFrameElement, HTMLSubFrameElement, HTMLSvgHostElement]);
  });

  it('finds none in a DOM with only the known ones', () => {
    expect(unknownContainers(window)).toEqual([]);
  });
});
