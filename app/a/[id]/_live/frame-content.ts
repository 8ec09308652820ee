'use client';

import { htmlOf } from '../../../../lib/artifact/doc-shape';
import { renderMessage } from '../../../../lib/sandbox/bridge';
import type { FrameContent } from './frame-host';
import type { CollabSession } from './use-collab-session';

/**
 * How each view's page reaches its frame (the `content` of `FrameHost`).
 * This is the seam where the live page's updates are made: the host around
 * it stays the same.
 */

/**
 * The live page: the room's Y.Text. The first render goes once the frame is
 * ready and the room has synced; later changes are coalesced to one render
 * per animation frame, newest html only.
 */
export function liveContent(session: CollabSession): FrameContent {
  return (channel) => {
    const { doc, provider } = session;
    const text = htmlOf(doc);
    let isReady = false;
    let hasSynced = provider.synced;
    let frameRequest = 0;

    const sendRender = () => {
      frameRequest = 0;
      if (!channel.canSend() || !isReady || !hasSynced) return;
      channel.post(renderMessage(channel.nextRev(), text.toString()));
    };
    const scheduleRender = () => {
      if (frameRequest !== 0 || !isReady || !hasSynced) return;
      frameRequest = window.requestAnimationFrame(sendRender);
    };
    const onSync = (isSynced: boolean) => {
      if (!isSynced) return;
      hasSynced = true;
      scheduleRender();
    };
    provider.on('sync', onSync);
    text.observe(scheduleRender);
    return {
      frameReady() {
        isReady = true;
        scheduleRender();
      },
      dispose() {
        provider.off('sync', onSync);
        text.unobserve(scheduleRender);
        if (frameRequest !== 0) window.cancelAnimationFrame(frameRequest);
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
