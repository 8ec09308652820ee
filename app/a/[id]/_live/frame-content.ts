'use client';

import { htmlOf } from '../../../../lib/artifact/doc-shape';
import { renderMessage } from '../../../../lib/sandbox/bridge';
import { SourceSender } from '../../../../lib/sandbox/source-sender';
import type { FrameContent } from './frame-host';
import type { CollabSession } from './use-collab-session';

/**
 * How each view's page reaches its frame (the `content` of `FrameHost`).
 * This is the seam where the live page's updates are made: the host around
 * it stays the same.
 */

/**
 * The live page: the room's Y.Text. The first render goes once the frame is
 * ready and the room has synced; after that, what changed goes as `patch`
 * messages (one per animation frame) to a frame whose `ready` says it takes
 * them, and a `resync` from the frame is answered with a full render
 * (lib/sandbox/source-sender.ts). The whole text is read only for a full render.
 */
export function liveContent(session: CollabSession): FrameContent {
  return (channel) => {
    const { doc, provider } = session;
    let hasSynced = provider.synced;
    const sender = new SourceSender({
      source: htmlOf(doc),
      post: (message) => channel.post(message),
      canSend: () => channel.canSend() && hasSynced,
      schedule: (callback) => {
        const request = window.requestAnimationFrame(callback);
        return () => window.cancelAnimationFrame(request);
      },
      nextRev: () => channel.nextRev(),
    });
    const onSync = (isSynced: boolean) => {
      if (!isSynced) return;
      hasSynced = true;
      sender.requestRender();
    };
    provider.on('sync', onSync);
    return {
      frameReady(ready) {
        sender.frameReady(ready.delta === true);
      },
      handle(message) {
        if (message.type === 'resync') sender.requestRender();
      },
      dispose() {
        provider.off('sync', onSync);
        sender.dispose();
      },
    };
  };
}

/** A fixed page (a version, one side of a comparison): sent whole to each frame document that says `ready`. */
export function htmlContent(html: string): FrameContent {
  return (channel) => ({
    frameReady() {
      if (channel.canSend()) channel.post(renderMessage(channel.nextRev(), html));
    },
    dispose() {},
  });
}
