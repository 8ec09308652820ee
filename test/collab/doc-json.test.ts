import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MAX_JSON_DEPTH, toBoundedJson } from '../../server/collab/doc-json';

/** Issue 11, finding 5: walking a stored document (the export) never recurses without bound. */
describe('toBoundedJson', () => {
  it('renders shallow documents exactly as toJSON does', () => {
    const doc = new Y.Doc();
    const meta = doc.getMap('meta');
    meta.set('title', 'Report');
    meta.set('latestVersion', 3);
    meta.set('list', [1, { a: 'b' }]);
    const nested = new Y.Map();
    meta.set('nested', nested);
    nested.set('x', 1);
    doc.get('root', Y.XmlText).insert(0, 'notes');
    expect(toBoundedJson(meta)).toEqual(meta.toJSON());
    expect(toBoundedJson(doc.share.get('root'))).toEqual(doc.share.get('root')!.toJSON());
  });

  it('cuts a 20,000-deep map, XML nesting and deep plain values at a fixed depth instead of overflowing the stack', () => {
    const doc = new Y.Doc();
    const meta = doc.getMap('meta');
    meta.set('title', 'Report');
    doc.transact(() => {
      let map = meta;
      for (let i = 0; i < 20_000; i++) {
        const next = new Y.Map();
        map.set('deep', next);
        map = next;
      }
      let xml = doc.get('root', Y.XmlText);
      for (let i = 0; i < 20_000; i++) {
        const child = new Y.XmlText();
        xml.insertEmbed(0, child);
        xml = child;
      }
    });
    let value: unknown = 'bottom';
    for (let i = 0; i < 20_000; i++) value = [value];
    doc.getMap('side').set('plain', value);

    expect(() => JSON.stringify(meta.toJSON())).toThrow(RangeError);
    const rendered = JSON.stringify([toBoundedJson(meta), toBoundedJson(doc.share.get('root')), toBoundedJson(doc.getMap('side'))]);
    expect(rendered).toContain('"title":"Report"');
    expect(rendered).toContain('nested too deep to export');
    expect(rendered.split('"deep"').length - 1).toBeLessThanOrEqual(MAX_JSON_DEPTH + 1);
  });
});
