import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyToString } from '../../lib/sandbox/delta';
import type { AppPatchMessage, AppRenderMessage } from '../../lib/sandbox/bridge';
import { MAX_PATCH_INSERT_LENGTH } from '../../lib/sandbox/limits';
import { SourceSender } from '../../lib/sandbox/source-sender';

type Sent = AppRenderMessage | AppPatchMessage;

/** A live page (a real Y.Doc), a sender, and a frame that applies what it is sent like the real one. */
function setUp(initial: string) {
  const doc = new Y.Doc();
  const text = doc.getText('html');
  text.insert(0, initial);
  const sent: Sent[] = [];
  const callbacks: (() => void)[] = [];
  let canSend = true;
  let toStringCalls = 0;
  const source = {
    get length() {
      return text.length;
    },
    toString() {
      toStringCalls += 1;
      return text.toString();
    },
    observe: (listener: (event: Y.YTextEvent) => void) => text.observe(listener),
    unobserve: (listener: (event: Y.YTextEvent) => void) => text.unobserve(listener),
  };
  const sender = new SourceSender({
    source,
    post: (message) => sent.push(message),
    canSend: () => canSend,
    schedule: (callback) => {
      callbacks.push(callback);
      return () => callbacks.splice(callbacks.indexOf(callback), 1);
    },
    startRev: 100,
  });
  /** The next animation frame. */
  const frame = () => {
    for (const callback of callbacks.splice(0)) callback();
  };
  /** What a frame holding every message so far shows. */
  const frameView = () => {
    let held = { rev: -1, source: '' };
    for (const message of sent) {
      if (message.type === 'render') held = { rev: message.rev, source: message.html };
      else {
        expect(message.base).toBe(held.rev);
        const next = applyToString(held.source, message.ops);
        expect(next).toHaveLength(message.length);
        held = { rev: message.rev, source: next };
      }
    }
    return held.source;
  };
  return {
    text,
    sent,
    sender,
    frame,
    frameView,
    setCanSend: (value: boolean) => (canSend = value),
    toStringCalls: () => toStringCalls,
  };
}

describe('SourceSender', () => {
  it('renders once on ready, then sends one composed patch per animation frame without serialising the page', () => {
    const live = setUp('<p>one</p><p>two</p>');
    live.sender.frameReady(true);
    live.frame();
    expect(live.sent).toEqual([{ loupe: 1, type: 'render', rev: 101, format: 'html', html: '<p>one</p><p>two</p>' }]);
    const calls = live.toStringCalls();

    live.text.insert(6, '!');
    live.text.delete(0, 3);
    live.text.insert(0, '<h1>');
    live.frame();
    expect(live.sent).toHaveLength(2);
    const patch = live.sent[1];
    expect(patch).toMatchObject({ type: 'patch', rev: 102, base: 101, format: 'html', length: live.text.length });
    expect(live.frameView()).toBe(live.text.toString());
    expect(live.toStringCalls()).toBe(calls);

    live.frame();
    expect(live.sent).toHaveLength(2);
  });

  it('keeps a reader in step over many bursts of random edits', () => {
    const live = setUp('<main><p>hello</p></main>');
    live.sender.frameReady(true);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let burst = 0; burst < 200; burst++) {
      const edits = 1 + Math.floor(random() * 4);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(random() * (live.text.length + 1));
        if (random() < 0.5 && at < live.text.length) live.text.delete(at, Math.min(3, live.text.length - at));
        else live.text.insert(at, '<b>x</b>'.slice(0, 1 + Math.floor(random() * 8)));
      }
      live.frame();
      expect(live.frameView()).toBe(live.text.toString());
    }
    expect(live.sent.filter((m) => m.type === 'render')).toHaveLength(1);
  });

  it('answers a resync with a full render at a new revision', () => {
    const live = setUp('<p>a</p>');
    live.sender.frameReady(true);
    live.frame();
    live.text.insert(3, 'b');
    live.sender.requestRender();
    live.frame();
    expect(live.sent.map((m) => m.type)).toEqual(['render', 'render']);
    expect(live.sent[1]).toMatchObject({ rev: 102, html: '<p>ba</p>' });
  });

  it('sends full renders to a frame that does not take patches', () => {
    const live = setUp('<p>a</p>');
    live.sender.frameReady(false);
    live.frame();
    live.text.insert(3, 'b');
    live.frame();
    expect(live.sent.map((m) => m.type)).toEqual(['render', 'render']);
  });

  it('sends a full render when a burst inserts more than a patch may carry', () => {
    const live = setUp('<p>a</p>');
    live.sender.frameReady(true);
    live.frame();
    live.text.insert(0, 'x'.repeat(MAX_PATCH_INSERT_LENGTH));
    live.text.insert(0, 'y');
    live.frame();
    expect(live.sent.map((m) => m.type)).toEqual(['render', 'render']);
    expect(live.frameView()).toBe(live.text.toString());
  });

  it('starts over with a full render after a time it could not send (frame reloading)', () => {
    const live = setUp('<p>a</p>');
    live.sender.frameReady(true);
    live.frame();
    live.setCanSend(false);
    live.text.insert(3, 'b');
    live.frame();
    live.setCanSend(true);
    live.sender.frameReady(true);
    live.text.insert(3, 'c');
    live.frame();
    expect(live.sent.map((m) => m.type)).toEqual(['render', 'render']);
    expect(live.frameView()).toBe('<p>cba</p>');
  });

  it('stops when disposed', () => {
    const live = setUp('<p>a</p>');
    live.sender.frameReady(true);
    live.sender.dispose();
    live.frame();
    live.text.insert(0, 'x');
    live.frame();
    expect(live.sent).toEqual([]);
  });
});
