import type { BrowserContext, Page } from '@playwright/test';

/**
 * Pins are drawn inside the frame, in a closed shadow root, so specs read
 * where they went from the frame's `pins-placed` reports to the app (one
 * entry per pin: found on the page or not, and its y in the page's own
 * coordinates, at the element's top edge less half a pin).
 */

export interface PinPlacement {
  found: boolean;
  y: number | null;
}

/** The pins' size in the frame (lib/frame/overlay/host.ts `PIN_SIZE`): a pin's y is its element's top less half of it. */
export const PIN_SIZE_PX = 22;

/** In every page of `context`, keeps the frame's latest `pins-placed` report on `window.__loupePins`. Call before opening pages. */
export async function recordPins(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const record: Record<string, { found: boolean; y: number | null }> = {};
    Object.defineProperty(window, '__loupePins', { value: record });
    window.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as { type?: string; placed?: Array<{ id: string; found: boolean; y: number | null }> } | null;
      if (data?.type !== 'pins-placed' || !Array.isArray(data.placed)) return;
      for (const key of Object.keys(record)) delete record[key];
      for (const placement of data.placed) record[placement.id] = { found: placement.found, y: placement.y };
    });
  });
}

/** Where the frame last said it drew a thread's pin; null before it reported that thread. */
export function placedPin(page: Page, threadId: string): Promise<PinPlacement | null> {
  return page.evaluate((id) => (window as unknown as { __loupePins: Record<string, PinPlacement> }).__loupePins[id] ?? null, threadId);
}
