// @vitest-environment happy-dom
import { Observable } from 'lib0/observable';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { htmlContent, liveContent } from '../../app/a/[id]/_live/frame-content';
import type { ContentChannel } from '../../app/a/[id]/_live/frame-host';
import type { CollabSession } from '../../app/a/[id]/_live/use-collab-session';
import { parseAppMessage, type AppMessage, type FrameReadyMessage } from '../../lib/sandbox/bridge';

const READY: FrameReadyMessage = { loupe: 1, type: 'ready' };

/** The channel the frame host gives a content source: records what is posted, revs from 100. */
function channel(isOpen = true) {
  const posted: AppMessage[] = [];
  let rev = 100;
  const ch: ContentChannel = {
    post: (message) => posted.push(message),
    canSend: () => isOpen,
    nextRev: () => ++rev,
  };
  return { ch, posted };
}

const nextFrame = () => new Promise<void>((resolve) => window.requestAnimationFrame(() => resolve()));

/** y-websocket's provider as the live source uses it: `synced` and the `sync` event. */
class Provider extends Observable<string> {
  synced = false;
  sync() {
    this.synced = true;
    this.emit('sync', [true]);
  }
}

function session(html: string) {
  const doc = new Y.Doc();
  doc.getText('html').insert(0, html);
  const provider = new Provider();
  return { doc, provider, session: { doc, provider } as unknown as CollabSession };
}

describe('htmlContent', () => {
  it('sends the whole page to each frame document that says ready, with increasing revs the frame accepts', () => {
    const { ch, posted } = channel();
    const sender = htmlContent('<p>v3</p>')(ch);
    expect(posted).toEqual([]);
    sender.frameReady(READY);
    sender.frameReady(READY); // the frame reloaded
    expect(posted.map((m) => (m.type === 'render' ? [m.rev, m.html] : null))).toEqual([
      [101, '<p>v3</p>'],
      [102, '<p>v3</p>'],
    ]);
    expect(posted.every((m) => parseAppMessage(m) !== null)).toBe(true);
  });

  it('sends nothing while no frame can take it', () => {
    const { ch, posted } = channel(false);
    htmlContent('<p>x</p>')(ch).frameReady(READY);
    expect(posted).toEqual([]);
  });
});

describe('liveContent', () => {
  it('renders once the frame is ready and the room has synced, then one render per animation frame with the newest page', async () => {
    const { doc, provider, session: s } = session('<p>one</p>');
    const { ch, posted } = channel();
    const sender = liveContent(s)(ch);
    sender.frameReady(READY);
    await nextFrame();
    expect(posted).toEqual([]); // not synced yet

    provider.sync();
    await nextFrame();
    expect(posted.map((m) => (m.type === 'render' ? m.html : m.type))).toEqual(['<p>one</p>']);

    const text = doc.getText('html');
    text.insert(text.length, '<p>two</p>');
    text.insert(text.length, '<p>three</p>');
    await nextFrame();
    expect(posted.map((m) => (m.type === 'render' ? m.html : m.type))).toEqual(['<p>one</p>', '<p>one</p><p>two</p><p>three</p>']);

    sender.dispose();
    text.insert(0, '<h1>after</h1>');
    await nextFrame();
    expect(posted).toHaveLength(2);
  });
});
