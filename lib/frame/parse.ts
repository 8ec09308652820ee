/*
 * Page source → vnodes. The browser's own parser (DOMParser, in a document
 * with no browsing context: nothing in it runs) builds the nodes; this walk
 * keeps what a render may insert and hashes every subtree.
 */
import { isFrameElement } from './guards/realm';
import { SEED_ATTR, SEED_COMMENT, SEED_ELEMENT, SEED_SOURCE, SEED_TEXT, hashString, mixIn, mixOut, nameHash, newMix } from './hash';
import {
  HTML_NS,
  attrAt,
  attrCount,
  attrLocalName,
  attrName,
  attrNamespace,
  attrValue,
  attributesOf,
  documentElementOf,
  firstChildOf,
  getAttribute,
  getData,
  getInnerHTML,
  getTextContent,
  hasAttributes,
  localNameOf,
  namespaceOf,
  nextSiblingOf,
  nodeType,
  parseFromString,
  parser,
} from './intrinsics';
import { newVnode, type VAttr, type VNode } from './vnode';

const LINK_HINTS = ['preconnect', 'prefetch', 'prerender', 'dns-prefetch', 'preload', 'modulepreload'];

/** Elements that would act on insertion in ways the sandbox must not allow. */
export const isNeutralised = (el: Element, name: string): boolean => {
  // Nested browsing contexts: the realm guard's own test (guards/realm.ts).
  if (isFrameElement(el)) return true;
  switch (name) {
    // <base> would redirect every relative URL; <noscript> was parsed with
    // scripting off, so its content is markup that must not show.
    case 'base':
    case 'noscript':
      return namespaceOf(el) === HTML_NS;
    case 'meta': {
      const equiv = getAttribute(el, 'http-equiv');
      return equiv !== null && equiv.trim().toLowerCase() === 'refresh';
    }
    case 'link': {
      const rel = (getAttribute(el, 'rel') || '').toLowerCase().split(/\s+/);
      for (let i = 0; i < rel.length; i++) if (LINK_HINTS.indexOf(rel[i]) >= 0) return true;
      return false;
    }
    case 'script':
      return (getAttribute(el, 'type') || '').trim().toLowerCase() === 'speculationrules';
    default:
      return false;
  }
};

/** The vnode for a parsed node and its subtree; null for nodes a render never inserts. */
export const buildVnode = (node: Node): VNode | null => {
  const type = nodeType(node);
  if (type === 3 || type === 8) {
    const v = newVnode(type, node);
    v.text = getData(node as CharacterData);
    v.hash = hashString(v.text, type === 3 ? SEED_TEXT : SEED_COMMENT);
    return v;
  }
  if (type !== 1) return null;
  const el = node as Element;
  const name = localNameOf(el);
  if (isNeutralised(el, name)) return null;
  const v = newVnode(1, node);
  v.ns = namespaceOf(el);
  v.name = name;
  const mix = newMix(SEED_ELEMENT);
  mixIn(mix, nameHash(v.ns, name));
  // Most elements have no attributes; skip creating their NamedNodeMap.
  const map = hasAttributes(el) ? attributesOf(el) : null;
  const count = map === null ? 0 : attrCount(map);
  const attrs: VAttr[] = new Array(count);
  v.attrs = attrs;
  for (let i = 0; i < count; i++) {
    const a = attrAt(map as NamedNodeMap, i) as Attr;
    const attr = { ns: attrNamespace(a), local: attrLocalName(a), qname: attrName(a), value: attrValue(a) };
    attrs[i] = attr;
    if (attr.local === 'id' && attr.ns === null) v.id = attr.value;
    mixIn(mix, hashString(attr.qname, SEED_ATTR));
    mixIn(mix, hashString(attr.value, SEED_ATTR));
  }
  if (name === 'script' || name === 'template') {
    // Never morphed: a changed script is replaced (and so runs once); a
    // template's content lives outside its children.
    v.atomic = true;
    v.text = name === 'script' ? getTextContent(el) || '' : getInnerHTML(el);
    mixIn(mix, hashString(v.text, SEED_SOURCE));
    v.children = [];
    v.hash = mixOut(mix);
    return v;
  }
  const children: VNode[] = [];
  v.children = children;
  for (let c = firstChildOf(node); c !== null; c = nextSiblingOf(c)) {
    const cv = buildVnode(c);
    if (cv === null) continue;
    children.push(cv);
    mixIn(mix, cv.hash);
  }
  v.hash = mixOut(mix);
  return v;
};

/** Parses a whole page: the vnode of its <html>. */
export const parseSource = (html: string): VNode => {
  const parsed = parseFromString(parser, html, 'text/html');
  return buildVnode(documentElementOf(parsed) as Element) as VNode;
};

/** Drops parsed-node references once a render is done, so old parses can be collected. */
export const releaseSources = (v: VNode): void => {
  if (v.src === null) return; // kept from an earlier render: already released
  v.src = null;
  if (v.children !== null) for (let i = 0; i < v.children.length; i++) releaseSources(v.children[i]);
};
