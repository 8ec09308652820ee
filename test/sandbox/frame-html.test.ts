import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { escapeInlineScript, loadFrameProgram, renderFrameHtml } from '../../lib/sandbox/frame-html';
import { buildFrameProgram, clearFrameProgramCache } from '../../lib/sandbox/frame-program';

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

describe('the frame program bundle', () => {
  const source = loadFrameProgram();

  it('is one classic script that compiles, inlined unchanged (nothing to escape)', () => {
    expect(() => new Script(source, { filename: 'frame.js' })).not.toThrow();
    expect(escapeInlineScript(source)).toBe(source);
    expect(renderFrameHtml(source)).toContain(source);
  });

  it('keeps the realm guard switch the e2e harness rewrites for its positive controls (and only one)', () => {
    expect(source.match(/\bvar REALM_GUARD = true;/g)).toHaveLength(1);
  });

  it('refuses an import from outside lib/frame and the shared limits', () => {
    const root = mkdtempSync(join(tmpdir(), 'loupe-frame-'));
    try {
      mkdirSync(join(root, 'lib', 'frame'), { recursive: true });
      mkdirSync(join(root, 'lib', 'sandbox'), { recursive: true });
      writeFileSync(join(root, 'lib', 'sandbox', 'limits.ts'), 'export const A = 1;\n');
      writeFileSync(join(root, 'lib', 'sandbox', 'bridge.ts'), 'export const B = 2;\n');
      writeFileSync(join(root, 'lib', 'frame', 'main.ts'), "import { A } from '../sandbox/limits';\nconsole.log(A);\n");
      expect(buildFrameProgram({ root })).toContain('A = 1');
      clearFrameProgramCache();
      for (const bad of ["import { z } from 'zod';\nconsole.log(z);", "import { B } from '../sandbox/bridge';\nconsole.log(B);", "import { readFileSync } from 'node:fs';\nconsole.log(readFileSync);"]) {
        writeFileSync(join(root, 'lib', 'frame', 'main.ts'), `${bad}\n`);
        expect(() => buildFrameProgram({ root })).toThrow(/may import only lib\/frame|Could not resolve/);
        clearFrameProgramCache();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
