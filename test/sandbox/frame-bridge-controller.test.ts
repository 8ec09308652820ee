import type { RefObject } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameBridgeController } from '../../app/a/[id]/_live/use-frame-bridge';
import { parseFrameMessage, type FrameMessage, type FramePin } from '../../lib/sandbox/bridge';

/** A stand-in for the iframe element: records what the app posts to it, and whether it was focused. */
function fakeFrame() {
  const posted: unknown[] = [];
  const iframe = {
    focused: 0,
    focus() {
      iframe.focused += 1;
    },
    contentWindow: { postMessage: (message: unknown) => posted.push(message) },
  };
  const ref = { current: iframe } as unknown as RefObject<HTMLIFrameElement | null>;
  return { iframe, posted, ref };
}

function frameMessage(data: unknown): FrameMessage {
  const message = parseFrameMessage(data);
  if (!message) throw new Error(`invalid test message: ${JSON.stringify(data)}`);
  return message;
}

const picked = frameMessage({
  loupe: 1,
  type: 'picked',
  target: { kind: 'element', tag: 'p', ordinal: 3, selector: '#intro', quote: 'Hello', prefix: '', suffix: '' },
  rect: { x: 10, y: 20, width: 300, height: 40 },
});
const cancelled = frameMessage({ loupe: 1, type: 'pick-cancelled' });
const pinClick = frameMessage({ loupe: 1, type: 'pin-click', id: 'thread-1' });
const selection = frameMessage({ loupe: 1, type: 'selection', target: null, rect: null });

const pin: FramePin = {
  id: 'thread-1',
  kind: 'element',
  tag: 'p',
  ordinal: 3,
  selector: '#intro',
  quote: 'Hello',
  label: '1',
  color: '#e8590c',
  state: 'ok',
  active: false,
};

let isUserActive = false;
const reported: unknown[] = [];
beforeEach(() => {
  isUserActive = false;
  reported.length = 0;
  vi.stubGlobal('navigator', {
    userActivation: {
      get isActive() {
        return isUserActive;
      },
    },
  });
  vi.stubGlobal('reportError', (error: unknown) => reported.push(error));
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('FrameBridgeController: what the app sends', () => {
  it('sends nothing before the frame is ready, then the latest pins and pick mode', () => {
    const { posted, ref } = fakeFrame();
    const bridge = new FrameBridgeController(ref);
    bridge.setPins([pin]);
    bridge.setPickMode(true);
    bridge.focusPin('thread-1');
    expect(posted).toEqual([]);

    bridge.handleReady();
    expect(posted).toEqual([
      { loupe: 1, type: 'pins', pins: [pin] },
      { loupe: 1, type: 'pick', on: true },
    ]);
    bridge.focusPin('thread-1');
    expect(posted.at(-1)).toEqual({ loupe: 1, type: 'focus-pin', id: 'thread-1' });
  });

  it('sends pins and pick mode again when the frame reloads', () => {
    const { posted, ref } = fakeFrame();
    const bridge = new FrameBridgeController(ref);
    bridge.handleReady();
    bridge.setPins([pin]);
    posted.length = 0;
    bridge.handleReady();
    expect(posted).toEqual([{ loupe: 1, type: 'pins', pins: [pin] }]);
  });

  it('focuses the frame when pick mode turns on, so the keyboard reaches it', () => {
    const { iframe, ref } = fakeFrame();
    const bridge = new FrameBridgeController(ref);
    bridge.setPickMode(true);
    expect(iframe.focused).toBe(1);
    bridge.setPickMode(false);
    expect(iframe.focused).toBe(1);
  });

  it('refuses pins the frame would refuse, and keeps the last good ones', () => {
    const { posted, ref } = fakeFrame();
    const bridge = new FrameBridgeController(ref);
    bridge.handleReady();
    bridge.setPins([pin]);
    expect(() => bridge.setPins([{ ...pin, label: '12345' }])).toThrow(RangeError);
    expect(() => bridge.setPins([{ ...pin, color: 'red' }])).toThrow(RangeError);
    expect(() => bridge.setPins(Array.from({ length: 2001 }, (_, i) => ({ ...pin, id: `t${i}` })))).toThrow(RangeError);
    posted.length = 0;
    bridge.handleReady();
    expect(posted).toEqual([{ loupe: 1, type: 'pins', pins: [pin] }]);
  });
});

describe('FrameBridgeController: what the app believes', () => {
  function subscribed() {
    const { ref } = fakeFrame();
    const bridge = new FrameBridgeController(ref);
    const seen: FrameMessage[] = [];
    bridge.subscribe((message) => seen.push(message));
    bridge.handleReady();
    return { bridge, seen };
  }

  it('drops picks and cancels the app did not ask for (a forging artifact)', () => {
    const { bridge, seen } = subscribed();
    bridge.deliver(picked);
    bridge.deliver(cancelled);
    expect(seen).toEqual([]);
  });

  it('delivers one pick while picking, and pick mode ends with it', () => {
    const { bridge, seen } = subscribed();
    bridge.setPickMode(true);
    bridge.deliver(picked);
    bridge.deliver(picked);
    expect(seen).toEqual([picked]);

    bridge.setPickMode(true);
    bridge.deliver(cancelled);
    bridge.deliver(picked);
    expect(seen).toEqual([picked, cancelled]);
  });

  it('delivers a pin click only during a real user gesture', () => {
    const { bridge, seen } = subscribed();
    bridge.deliver(pinClick);
    expect(seen).toEqual([]);
    isUserActive = true;
    bridge.deliver(pinClick);
    expect(seen).toEqual([pinClick]);
  });

  it('delivers descriptions of the page as they come', () => {
    const { bridge, seen } = subscribed();
    bridge.deliver(selection);
    expect(seen).toEqual([selection]);
  });

  it('keeps delivering to other listeners when one throws, and unsubscribes', () => {
    const { bridge, seen } = subscribed();
    const failure = new Error('listener bug');
    const unsubscribe = bridge.subscribe(() => {
      throw failure;
    });
    const late: FrameMessage[] = [];
    bridge.subscribe((message) => late.push(message));
    bridge.deliver(selection);
    expect(seen).toEqual([selection]);
    expect(late).toEqual([selection]);
    expect(reported).toEqual([failure]);

    unsubscribe();
    bridge.deliver(selection);
    expect(reported).toHaveLength(1);
  });
});
