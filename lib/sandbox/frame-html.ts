import { buildFrameProgram } from './frame-program';

/**
 * The frame program as the server inlines it: the esbuild bundle of
 * lib/frame/main.ts (the sandbox CSP allows only inline scripts).
 */
export function loadFrameProgram(root: string = process.cwd()): string {
  return buildFrameProgram({ root });
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
 * frame program builds the artifact into it from `render` messages, so the
 * page never reloads. The doctype fixes standards mode for every artifact.
 */
export function renderFrameHtml(programSource: string): string {
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<script data-loupe-bootstrap>${escapeInlineScript(programSource)}</script>` +
    '</head><body></body></html>'
  );
}
