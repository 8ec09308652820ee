import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { escapeInlineScript, loadBootstrapSource, renderFrameHtml } from '../../lib/sandbox/frame-html';

describe('renderFrameHtml', () => {
  it('is the minimal frame document with the bootstrap inline in <head>', () => {
    expect(renderFrameHtml('void 0;')).toBe(
      '<!doctype html><html><head><meta charset="utf-8"><script data-loupe-bootstrap>void 0;</script></head><body></body></html>',
    );
  });

  it('cannot be cut short by a </script> inside the source', () => {
    const html = renderFrameHtml('const s = "</script><img src=x>"; const t = "</SCRIPT >";');
    expect(html.match(/<\/script/gi)).toHaveLength(1);
    expect(escapeInlineScript('a = "</script>"')).toBe('a = "<\\/script>"');
  });

  it('refuses sources the tokenizer could misread', () => {
    expect(() => renderFrameHtml('x = "<!--"')).toThrow(/<!--/);
  });
});

describe('the real bootstrap', () => {
  const source = loadBootstrapSource();

  it('is one script that compiles', () => {
    expect(() => new Script(source, { filename: 'bootstrap.js' })).not.toThrow();
    expect(source.trim().startsWith('/*')).toBe(true);
    expect(source.trim().endsWith('})();')).toBe(true);
  });

  it('inlines unchanged (nothing to escape)', () => {
    expect(escapeInlineScript(source)).toBe(source);
    expect(renderFrameHtml(source)).toContain(source);
  });

  it('uses no syntax newer than ES2020', () => {
    // Logical assignment, numeric separators, class fields/privates, .at(), hasOwn.
    expect(source).not.toMatch(/\?\?=|\|\|=|&&=|\b\d+_\d+\b|#[a-zA-Z_]\w*\s*[=;(]|\.at\(|Object\.hasOwn/);
  });
});
