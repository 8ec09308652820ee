import { expect, type Frame, type Page } from '@playwright/test';
import { parseFrameMessage, type FrameMessage, type FrameRenderedMessage } from '../../lib/sandbox/bridge';
import type { Harness } from './harness';

/** What the harness parent page exposes (see appPage in harness.ts). */
interface HarnessWindow {
  frameMessages: unknown[];
  sendRender(html: string, rev: number): void;
  sendToFrame(message: unknown): void;
}

/** Drives the parent page of the harness: sends renders, reads what the frame posted. */
export class FrameDriver {
  private rev = 0;

  private constructor(
    readonly page: Page,
    readonly harness: Harness,
  ) {}

  /** Opens the parent page and waits for the frame's `ready`. */
  static async open(page: Page, harness: Harness): Promise<FrameDriver> {
    const driver = new FrameDriver(page, harness);
    await page.goto(harness.appUrl);
    await expect.poll(async () => (await driver.messages()).some((m) => m.type === 'ready')).toBe(true);
    return driver;
  }

  /** Everything the frame posted, unvalidated. */
  rawMessages(): Promise<unknown[]> {
    return this.page.evaluate(() => (window as unknown as HarnessWindow).frameMessages);
  }

  /** The frame's messages that pass the app's validator. */
  async messages(): Promise<FrameMessage[]> {
    const out: FrameMessage[] = [];
    for (const raw of await this.rawMessages()) {
      const parsed = parseFrameMessage(raw);
      if (parsed) out.push(parsed);
    }
    return out;
  }

  /** The artifact frame, found by URL (a fragment link may add a #hash). */
  frame(): Frame {
    const prefix = `${this.harness.sandboxOrigin}/frame`;
    const frame = this.page.frames().find((f) => f.url().startsWith(prefix));
    if (!frame) throw new Error(`no frame at ${prefix}; frames: ${this.page.frames().map((f) => f.url()).join(', ')}`);
    return frame;
  }

  send(message: unknown): Promise<void> {
    return this.page.evaluate((m) => (window as unknown as HarnessWindow).sendToFrame(m), message);
  }

  /** Sends without waiting; returns the rev used. */
  async sendRender(html: string): Promise<number> {
    const rev = ++this.rev;
    await this.page.evaluate(([h, r]) => (window as unknown as HarnessWindow).sendRender(h, r), [html, rev] as const);
    return rev;
  }

  async waitForRendered(rev: number): Promise<FrameRenderedMessage> {
    let found: FrameRenderedMessage | undefined;
    await expect
      .poll(async () => {
        found = (await this.messages()).find(
          (m): m is FrameRenderedMessage => m.type === 'rendered' && m.rev === rev,
        );
        return found !== undefined;
      })
      .toBe(true);
    if (!found) throw new Error('unreachable');
    return found;
  }

  /** Sends a render and waits until the frame reports it applied. */
  async render(html: string): Promise<FrameRenderedMessage> {
    return this.waitForRendered(await this.sendRender(html));
  }

  async errors(): Promise<string[]> {
    return (await this.messages()).flatMap((m) => (m.type === 'error' ? [m.message] : []));
  }
}

interface Marked {
  __loupeMark?: string;
}

/** Tags live nodes with a JS property, which survives only if the node is never replaced. */
export async function markNodes(driver: FrameDriver, ids: string[]): Promise<void> {
  await driver.frame().evaluate((list) => {
    for (const id of list) (document.getElementById(id) as unknown as Marked).__loupeMark = id;
  }, ids);
}

/** The marks `markNodes` left on the nodes with these ids (null where the node was replaced or is gone). */
export async function marks(driver: FrameDriver, ids: string[]): Promise<(string | null)[]> {
  return driver.frame().evaluate(
    (list) => list.map((id) => (document.getElementById(id) as unknown as Marked | null)?.__loupeMark ?? null),
    ids,
  );
}
