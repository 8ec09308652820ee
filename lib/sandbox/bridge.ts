import { z } from 'zod';

/**
 * The postMessage protocol between the app and an artifact frame.
 *
 * Every message is a plain object `{ loupe: 1, type, ... }`. The frame runs
 * untrusted code with an opaque origin, so `event.origin` is the string
 * "null" and proves nothing: the app must check
 * `event.source === iframe.contentWindow` and then run every message through
 * `parseFrameMessage`. A hostile artifact can post anything, as often as it
 * likes; the schema below is the whole of what the app will believe.
 *
 * The frame side (public/frame/bootstrap.js) checks app messages by hand,
 * because it cannot import zod; `parseAppMessage` mirrors those rules.
 */

export const PROTOCOL_VERSION = 1;
export const MAX_HREF_LENGTH = 2048;
export const MAX_ERROR_MESSAGE_LENGTH = 500;
/** UTF-16 code units; the store caps a page at 16 MiB, so this is never the binding limit. */
export const MAX_RENDER_HTML_LENGTH = 16 * 1024 * 1024;
/** No real page is taller than this (Chromium caps layout at ~33M px). */
const MAX_PIXELS = 1e9;
export const LINK_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:']);

const pixels = z.number().nonnegative().max(MAX_PIXELS);
const rev = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * The app opens this in a new tab, so it must be absolute and of a harmless
 * scheme: a `javascript:` or `data:` href would run in, or impersonate, the app.
 */
export function isSafeLinkHref(href: string): boolean {
  if (href.length > MAX_HREF_LENGTH) return false;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return false;
  }
  return LINK_PROTOCOLS.has(url.protocol);
}

const base = { loupe: z.literal(PROTOCOL_VERSION) };
const metrics = { scrollY: pixels, scrollHeight: pixels, viewportHeight: pixels };

// ---- frame → app ----

const readySchema = z.object({ ...base, type: z.literal('ready') });
const renderedSchema = z.object({ ...base, type: z.literal('rendered'), rev, ...metrics });
const scrollSchema = z.object({ ...base, type: z.literal('scroll'), ...metrics });
const openLinkSchema = z.object({
  ...base,
  type: z.literal('open-link'),
  href: z.string().max(MAX_HREF_LENGTH).refine(isSafeLinkHref),
});
const errorSchema = z.object({
  ...base,
  type: z.literal('error'),
  message: z.string().max(MAX_ERROR_MESSAGE_LENGTH),
});

export const frameMessageSchema = z.discriminatedUnion('type', [
  readySchema,
  renderedSchema,
  scrollSchema,
  openLinkSchema,
  errorSchema,
]);

export type FrameReadyMessage = z.infer<typeof readySchema>;
/** Sent after a render has been applied and the reader's place restored. */
export type FrameRenderedMessage = z.infer<typeof renderedSchema>;
/** Throttled (about 10 a second) while the reader scrolls or the page resizes. */
export type FrameScrollMessage = z.infer<typeof scrollSchema>;
/** The reader clicked a link; the app decides whether to open it in a new tab. */
export type FrameOpenLinkMessage = z.infer<typeof openLinkSchema>;
/** An uncaught error or blocked request inside the artifact (rate-limited). */
export type FrameErrorMessage = z.infer<typeof errorSchema>;
export type FrameMessage = z.infer<typeof frameMessageSchema>;

/**
 * Validates a message that came from the artifact frame. Call only after
 * checking `event.source === iframe.contentWindow`. Unknown keys are dropped.
 */
export function parseFrameMessage(data: unknown): FrameMessage | null {
  return safely(frameMessageSchema, data);
}

/**
 * safeParse, but null rather than an exception for inputs that throw when
 * read (getters, proxies). postMessage data is structured-cloned and cannot
 * carry those, but a validator on a trust boundary should not rely on that.
 */
function safely<T>(schema: z.ZodType<T>, data: unknown): T | null {
  try {
    const result = schema.safeParse(data);
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/** The source check and the validation in one step, for a `message` listener. */
export function readFrameMessage(
  event: Pick<MessageEvent, 'source' | 'data'>,
  frameWindow: MessageEventSource | null,
): FrameMessage | null {
  if (frameWindow === null || event.source !== frameWindow) return null;
  return parseFrameMessage(event.data);
}

// ---- app → frame ----

const renderSchema = z.object({
  ...base,
  type: z.literal('render'),
  rev,
  html: z.string().max(MAX_RENDER_HTML_LENGTH),
});
const scrollToSchema = z.object({ ...base, type: z.literal('scrollTo'), y: pixels });
const themeSchema = z.object({ ...base, type: z.literal('theme'), scheme: z.enum(['light', 'dark']) });

export const appMessageSchema = z.discriminatedUnion('type', [renderSchema, scrollToSchema, themeSchema]);

/**
 * Apply this page source. `rev` is a per-frame sequence number chosen by the
 * app and must increase: the frame drops any render whose rev is not greater
 * than the last one it saw, and applies only the newest of a burst.
 */
export type AppRenderMessage = z.infer<typeof renderSchema>;
/** Scroll the frame to `y` (CSS px from the top), e.g. to follow a reviewer. */
export type AppScrollToMessage = z.infer<typeof scrollToSchema>;
/** The app's colour scheme; the frame may ignore it. */
export type AppThemeMessage = z.infer<typeof themeSchema>;
export type AppMessage = z.infer<typeof appMessageSchema>;

/** The rules the bootstrap applies by hand, for tests and for any non-browser peer. */
export function parseAppMessage(data: unknown): AppMessage | null {
  return safely(appMessageSchema, data);
}

export function renderMessage(revision: number, html: string): AppRenderMessage {
  return { loupe: PROTOCOL_VERSION, type: 'render', rev: revision, html };
}

export function scrollToMessage(y: number): AppScrollToMessage {
  return { loupe: PROTOCOL_VERSION, type: 'scrollTo', y };
}

export function themeMessage(scheme: AppThemeMessage['scheme']): AppThemeMessage {
  return { loupe: PROTOCOL_VERSION, type: 'theme', scheme };
}

/**
 * Posts to the frame. The target origin must be '*': the frame's origin is
 * opaque and cannot be named. That is safe because the embedder's frame-src
 * keeps the frame on the sandbox origin, so only sandbox documents receive it.
 */
export function postToFrame(frameWindow: Window, message: AppMessage): void {
  frameWindow.postMessage(message, '*');
}
