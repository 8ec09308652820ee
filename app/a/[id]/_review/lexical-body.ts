/**
 * Between the composer's Lexical editor state and a CommentBody.
 *
 * Reading takes only what a body can hold: paragraphs, quotes, code blocks,
 * lists, and inside them text (bold, italic, code, strikethrough), links,
 * mentions and line breaks. Anything else a paste or a plugin might bring in
 * (headings, underline, unknown nodes) comes out as its text, so nothing a
 * reviewer typed is lost and nothing the schema does not know gets through.
 * The result still goes through `parseCommentBody` before it is sent.
 */
import { CodeNode, $createCodeNode, $isCodeNode } from '@lexical/code-core';
import { $createLinkNode, $isLinkNode, AutoLinkNode, LinkNode } from '@lexical/link';
import { $createListItemNode, $createListNode, $isListItemNode, $isListNode, ListItemNode, ListNode } from '@lexical/list';
import { $createQuoteNode, $isQuoteNode, QuoteNode } from '@lexical/rich-text';
import {
  $createLineBreakNode,
  $createParagraphNode,
  $createTabNode,
  $createTextNode,
  $getRoot,
  $isElementNode,
  $isLineBreakNode,
  $isTextNode,
  type EditorState,
  type ElementNode,
  type Klass,
  type LexicalNode,
  type TextFormatType,
} from 'lexical';
import {
  isCommentLinkUrl,
  TEXT_FORMAT,
  type Block,
  type CommentBody,
  type Inline,
  type ListBlock,
  type ListItem,
  type TextInline,
} from '../../../../lib/review/body';
import { $createMentionNode, $isMentionNode, MentionNode } from './mention-node';

/** Every node the comment editor registers. */
export const COMMENT_EDITOR_NODES: ReadonlyArray<Klass<LexicalNode>> = [
  QuoteNode,
  CodeNode,
  ListNode,
  ListItemNode,
  LinkNode,
  AutoLinkNode,
  MentionNode,
];

/** Our format bits and Lexical's names for them. */
const FORMATS: ReadonlyArray<[number, TextFormatType]> = [
  [TEXT_FORMAT.bold, 'bold'],
  [TEXT_FORMAT.italic, 'italic'],
  [TEXT_FORMAT.code, 'code'],
  [TEXT_FORMAT.strikethrough, 'strikethrough'],
];

const CODE_LANG = /^[a-z0-9+#-]{0,20}$/;

// ---- editor → body ----

/** The body an editor state holds (not yet validated: it may be empty or over the limits). */
export function editorStateToBody(editorState: EditorState): CommentBody {
  return editorState.read(() => {
    const blocks: Block[] = [];
    for (const node of $getRoot().getChildren()) {
      const block = $blockOf(node);
      if (block) blocks.push(block);
    }
    return { v: 1, blocks };
  });
}

function $blockOf(node: LexicalNode): Block | null {
  if ($isCodeNode(node)) return { t: 'code', lang: codeLanguage(node.getLanguage()), text: node.getTextContent() };
  if ($isListNode(node)) return $listOf(node);
  if ($isQuoteNode(node)) return { t: 'quote', children: $inlinesOf(node.getChildren()) };
  if ($isElementNode(node)) return { t: 'p', children: $inlinesOf(node.getChildren()) };
  const text = node.getTextContent();
  return text === '' ? null : { t: 'p', children: [{ t: 'text', text }] };
}

/**
 * Lexical nests a list inside a list item of its own, right after the item it
 * belongs under; a body hangs it on that item. An item holding only a nested
 * list with no item before it keeps empty text.
 */
function $listOf(list: ListNode): ListBlock {
  const items: ListItem[] = [];
  for (const child of list.getChildren()) {
    if (!$isListItemNode(child)) continue;
    const content = child.getChildren();
    const nested = content.filter($isListNode).map($listOf);
    const children = $inlinesOf(content.filter((node) => !$isListNode(node)));
    const list = nested.length > 0 ? mergeLists(nested) : undefined;
    const previous = items[items.length - 1];
    if (list && children.length === 0 && previous && !previous.list) previous.list = list;
    else items.push(list ? { children, list } : { children });
  }
  return { t: 'list', ordered: list.getListType() === 'number', items };
}

function mergeLists(lists: ListBlock[]): ListBlock {
  return { t: 'list', ordered: lists[0].ordered, items: lists.flatMap((list) => list.items) };
}

function $inlinesOf(nodes: LexicalNode[]): Inline[] {
  const out: Inline[] = [];
  for (const node of nodes) {
    if ($isMentionNode(node)) {
      out.push({ t: 'mention', ...node.getMention() });
    } else if ($isLineBreakNode(node)) {
      out.push({ t: 'br' });
    } else if ($isTextNode(node)) {
      out.push(textOf(node.getTextContent(), formatOf(node)));
    } else if ($isLinkNode(node)) {
      const label = $linkTextOf(node);
      const url = node.getURL();
      if (isCommentLinkUrl(url)) out.push({ t: 'link', url, children: label });
      else out.push(...label);
    } else if ($isElementNode(node)) {
      // An unknown element: its content, on a line of its own if it is a block.
      if (!node.isInline() && out.length > 0) out.push({ t: 'br' });
      out.push(...$inlinesOf(node.getChildren()));
    } else {
      const text = node.getTextContent();
      if (text !== '') out.push({ t: 'text', text });
    }
  }
  return out;
}

function $linkTextOf(link: ElementNode): TextInline[] {
  return $inlinesOf(link.getChildren()).flatMap((inline): TextInline[] => {
    switch (inline.t) {
      case 'text':
        return [inline];
      case 'mention':
        return [{ t: 'text', text: `@${inline.name}` }];
      case 'br':
        return [{ t: 'text', text: ' ' }];
      case 'link':
        return inline.children;
    }
  });
}

function formatOf(node: { hasFormat(type: TextFormatType): boolean }): number {
  let format = 0;
  for (const [bit, type] of FORMATS) if (node.hasFormat(type)) format |= bit;
  return format;
}

function textOf(text: string, format: number): TextInline {
  return format === 0 ? { t: 'text', text } : { t: 'text', text, f: format };
}

function codeLanguage(language: string | null | undefined): string {
  const lang = (language ?? '').toLowerCase();
  return CODE_LANG.test(lang) ? lang : '';
}

// ---- body → editor ----

/**
 * An initializer that loads a body into the editor (for `initialConfig.editorState`
 * when editing a comment, or inside `editor.update`). Replaces what the root holds.
 */
export function bodyToEditor(body: CommentBody): () => void {
  return () => {
    const root = $getRoot();
    root.clear();
    for (const block of body.blocks) root.append($nodeOfBlock(block));
    if (root.getChildrenSize() === 0) root.append($createParagraphNode());
  };
}

function $nodeOfBlock(block: Block): ElementNode {
  switch (block.t) {
    case 'p':
      return $createParagraphNode().append(...$nodesOfInlines(block.children));
    case 'quote':
      return $createQuoteNode().append(...$nodesOfInlines(block.children));
    case 'code':
      return $createCodeNode(block.lang || undefined).append(...$codeLines(block.text));
    case 'list':
      return $listNodeOf(block);
  }
}

function $listNodeOf(list: ListBlock): ListNode {
  const node = $createListNode(list.ordered ? 'number' : 'bullet');
  for (const item of list.items) {
    if (item.children.length > 0 || !item.list) node.append($createListItemNode().append(...$nodesOfInlines(item.children)));
    if (item.list) node.append($createListItemNode().append($listNodeOf(item.list)));
  }
  return node;
}

function $codeLines(text: string): LexicalNode[] {
  const nodes: LexicalNode[] = [];
  text.split('\n').forEach((line, index) => {
    if (index > 0) nodes.push($createLineBreakNode());
    line.split('\t').forEach((part, partIndex) => {
      if (partIndex > 0) nodes.push($createTabNode());
      if (part !== '') nodes.push($createTextNode(part));
    });
  });
  return nodes;
}

function $nodesOfInlines(inlines: Inline[]): LexicalNode[] {
  return inlines.map((inline): LexicalNode => {
    switch (inline.t) {
      case 'text':
        return $textNodeOf(inline);
      case 'br':
        return $createLineBreakNode();
      case 'mention':
        return $createMentionNode({ kind: inline.kind, id: inline.id, name: inline.name });
      case 'link':
        return $createLinkNode(inline.url).append(...inline.children.map($textNodeOf));
    }
  });
}

function $textNodeOf(text: TextInline): LexicalNode {
  const node = $createTextNode(text.text);
  for (const [bit, type] of FORMATS) if ((text.f ?? 0) & bit) node.toggleFormat(type);
  return node;
}
