/*
 * document.open() on a loaded document wipes every listener, ours
 * included, and write() implies open(); and the page's own parser builds
 * declarative shadow roots the realm guard would not see. Emulate the
 * parser instead: what a running script writes goes in right after that
 * script. The emulation replaces the methods on Document.prototype, so
 * `Document.prototype.write.call(document, …)` meets it too. Other
 * documents (createHTMLDocument, DOMParser) keep the native methods: they
 * have no browsing context, and their parser builds no shadow roots.
 */
import {
  DocumentP,
  apply,
  createContextualFragment,
  createRange,
  currentScriptOf,
  doc,
  insertBefore,
  lastChildOf,
  nextSiblingOf,
  parentOf,
  replaceMethod,
  selectNode,
} from '../intrinsics';
import { materializeShadowRoots } from './realm';

const lastWritten = new WeakMap<Node, Node>();

const writeHtml = (html: string): void => {
  const script = currentScriptOf(doc);
  const parent = script ? parentOf(script) : null;
  if (parent === null || !script) return;
  const range = createRange(doc);
  selectNode(range, script);
  const fragment = createContextualFragment(range, html);
  materializeShadowRoots(fragment);
  const last = lastChildOf(fragment);
  const after = lastWritten.get(script);
  const anchor = after && parentOf(after) === parent ? after : script;
  insertBefore(parent, fragment, nextSiblingOf(anchor));
  if (last) lastWritten.set(script, last);
};

const ownDocument = (name: string, ours: (args: unknown[]) => unknown): void =>
  replaceMethod(DocumentP, name, (original) =>
    ({
      [name](this: unknown, ...args: unknown[]) {
        return this === doc ? ours(args) : apply(original, this, args);
      },
    })[name]);

export const installDocumentWrite = (): void => {
  ownDocument('write', (parts) => writeHtml(parts.join('')));
  ownDocument('writeln', (parts) => writeHtml(`${parts.join('')}\n`));
  ownDocument('open', () => doc);
  ownDocument('close', () => undefined);
};
