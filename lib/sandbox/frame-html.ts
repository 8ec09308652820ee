import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where the frame bootstrap lives, relative to the project root. */
export const BOOTSTRAP_PATH = 'public/frame/bootstrap.js';

/** Reads the bootstrap source; the server inlines it because the sandbox CSP allows only inline scripts. */
export function loadBootstrapSource(cwd: string = process.cwd()): string {
  return readFileSync(resolve(cwd, BOOTSTRAP_PATH), 'utf8');
}

/**
 * Makes JavaScript safe to place inside <script>…</script>. The HTML tokenizer
 * ends the element at the first `</script` whatever the JS means; `<\/` means
 * the same to JavaScript inside strings, template literals and regexps. `<!--`
 * (which can make the tokenizer skip a later `</script>`) has no such
 * rewrite that is safe in every JS context, so it is refused.
 */
export function escapeInlineScript(source: string): string {
  if (source.includes('<!--')) {
    throw new Error('inline script source must not contain "<!--"');
  }
  return source.replace(/<\/(script)/gi, '<\\/$1');
}

/**
 * The document served at `<sandboxOrigin>/frame`. It is empty on purpose: the
 * bootstrap builds the artifact into it from `render` messages, so the page
 * never reloads. The doctype fixes standards mode for every artifact.
 */
export function renderFrameHtml(bootstrapSource: string): string {
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<script data-loupe-bootstrap>${escapeInlineScript(bootstrapSource)}</script>` +
    '</head><body></body></html>'
  );
}
