/**
 * The composer's conversions, on a headless Lexical editor (no DOM): a body
 * loaded for editing comes back unchanged, and whatever else an editor can
 * hold comes out as text a body allows.
 */
import { $createCodeNode } from '@lexical/code-core';
import { $createLinkNode } from '@lexical/link';
import { $createListItemNode, $createListNode } from '@lexical/list';
import { $createHeadingNode, HeadingNode } from '@lexical/rich-text';
import { $createParagraphNode, $createTextNode, $getRoot, createEditor, type LexicalEditor } from 'lexical';
import { describe, expect, it } from 'vitest';
import { bodyToEditor, COMMENT_EDITOR_NODES, editorStateToBody } from '../../app/a/[id]/_review/lexical-body';
import { $createMentionNode, $isMentionNode } from '../../app/a/[id]/_review/mention-node';
import { parseCommentBody, type Block, type CommentBody, type Inline, type TextInline } from '../../lib/review/body';

function headlessEditor(extraNodes: typeof COMMENT_EDITOR_NODES = []): LexicalEditor {
  return createEditor({
    namespace: 'comment-test',
    nodes: [...COMMENT_EDITOR_NODES, ...extraNodes],
    onError: (error) => {
      throw error;
    },
  });
}

function load(editor: LexicalEditor, body: CommentBody): void {
  editor.update(bodyToEditor(body), { discrete: true });
}

const text = (value: string, f?: number): TextInline => (f === undefined ? { t: 'text', text: value } : { t: 'text', text: value, f });
const p = (...children: Inline[]): Block => ({ t: 'p', children });

const EVERY_KIND: CommentBody = parseCommentBody({
  v: 1,
  blocks: [
    p(
      text('plain '),
      text('bold', 1),
      text('italic', 2),
      text('code', 4),
      text('strike', 8),
      text('all', 15),
      { t: 'br' },
      { t: 'mention', kind: 'user', id: 'u-ada', name: 'Ada Lovelace' },
      text(' and '),
      { t: 'mention', kind: 'agent', id: 'agent', name: 'Agent' },
      text(' see '),
      { t: 'link', url: 'https://example.com/a?b=1', children: [text('the '), text('docs', 1)] },
      text(' or '),
      { t: 'link', url: 'mailto:ada@example.com', children: [text('mail')] },
    ),
    { t: 'quote', children: [text('quoted '), text('line', 2), { t: 'br' }, text('two')] },
    { t: 'code', lang: 'ts', text: 'function f() {\n\treturn "<b>";\n}\n\n// end' },
    { t: 'code', lang: '', text: 'no language' },
    {
      t: 'list',
      ordered: false,
      items: [
        {
          children: [text('one')],
          list: {
            t: 'list',
            ordered: true,
            items: [
              { children: [text('one.a')], list: { t: 'list', ordered: false, items: [{ children: [text('deep')] }] } },
              { children: [text('one.b')] },
            ],
          },
        },
        { children: [text('two '), { t: 'mention', kind: 'user', id: 'u-ada', name: 'Ada Lovelace' }] },
      ],
    },
    { t: 'list', ordered: true, items: [{ children: [text('first')] }, { children: [text('second'), { t: 'br' }, text('more')] }] },
  ],
});

describe('bodyToEditor → editorStateToBody', () => {
  it('round-trips every block and inline type', () => {
    const editor = headlessEditor();
    load(editor, EVERY_KIND);
    expect(parseCommentBody(editorStateToBody(editor.getEditorState()))).toEqual(EVERY_KIND);
  });

  it('round-trips through the editor state JSON (what history and drafts keep)', () => {
    const editor = headlessEditor();
    load(editor, EVERY_KIND);
    const json = JSON.stringify(editor.getEditorState().toJSON());
    const restored = headlessEditor().parseEditorState(json);
    expect(parseCommentBody(editorStateToBody(restored))).toEqual(EVERY_KIND);
  });

  it('loads mentions as one token node that remembers who it is', () => {
    const editor = headlessEditor();
    load(editor, parseCommentBody({ v: 1, blocks: [p({ t: 'mention', kind: 'agent', id: 'agent', name: 'Agent' })] }));
    const mention = editor.getEditorState().read(() => {
      const node = $getRoot().getAllTextNodes()[0];
      return $isMentionNode(node) ? { ...node.getMention(), text: node.getTextContent(), mode: node.getMode() } : null;
    });
    expect(mention).toEqual({ kind: 'agent', id: 'agent', name: 'Agent', text: '@Agent', mode: 'token' });
  });

  it('an item holding only a nested list, with nothing before it, keeps its place', () => {
    const body = parseCommentBody({
      v: 1,
      blocks: [{ t: 'list', ordered: false, items: [{ children: [], list: { t: 'list', ordered: false, items: [{ children: [text('x')] }] } }] }],
    });
    const editor = headlessEditor();
    load(editor, body);
    expect(parseCommentBody(editorStateToBody(editor.getEditorState()))).toEqual(body);
  });

  it('an empty editor reads as an empty body', () => {
    const editor = headlessEditor();
    load(editor, { v: 1, blocks: [] });
    expect(editorStateToBody(editor.getEditorState())).toEqual({ v: 1, blocks: [p()] });
    expect(() => parseCommentBody(editorStateToBody(editor.getEditorState()))).toThrow('Comment is empty.');
  });
});

describe('editorStateToBody reads only what a body allows', () => {
  it('unknown nodes become their text; formats a body lacks are dropped', () => {
    const editor = headlessEditor([HeadingNode]);
    editor.update(
      () => {
        const underlined = $createTextNode('underlined').toggleFormat('underline').toggleFormat('bold');
        const highlighted = $createTextNode(' highlighted').toggleFormat('highlight');
        $getRoot()
          .clear()
          .append($createHeadingNode('h1').append($createTextNode('A heading')), $createParagraphNode().append(underlined, highlighted));
      },
      { discrete: true },
    );
    expect(parseCommentBody(editorStateToBody(editor.getEditorState())).blocks).toEqual([p(text('A heading')), p(text('underlined', 1), text(' highlighted'))]);
  });

  it('a link whose URL is not http, https or mailto keeps only its text', () => {
    const editor = headlessEditor();
    editor.update(
      () => {
        $getRoot()
          .clear()
          .append(
            $createParagraphNode().append(
              $createLinkNode('javascript:alert(1)').append($createTextNode('click')),
              $createTextNode(' '),
              $createLinkNode('/relative').append($createTextNode('rel')),
            ),
          );
      },
      { discrete: true },
    );
    expect(parseCommentBody(editorStateToBody(editor.getEditorState())).blocks).toEqual([p(text('click rel'))]);
  });

  it('a mention inside a link reads as its text', () => {
    const editor = headlessEditor();
    editor.update(
      () => {
        $getRoot()
          .clear()
          .append($createParagraphNode().append($createLinkNode('https://e.com').append($createMentionNode({ kind: 'user', id: 'u', name: 'Ada' }))));
      },
      { discrete: true },
    );
    expect(parseCommentBody(editorStateToBody(editor.getEditorState())).blocks).toEqual([
      p({ t: 'link', url: 'https://e.com', children: [text('@Ada')] }),
    ]);
  });

  it('code languages a body cannot hold are dropped; case is folded', () => {
    const editor = headlessEditor();
    editor.update(
      () => {
        $getRoot()
          .clear()
          .append(
            $createCodeNode('JavaScript').append($createTextNode('a')),
            $createCodeNode('not a <lang>').append($createTextNode('b')),
          );
      },
      { discrete: true },
    );
    expect(parseCommentBody(editorStateToBody(editor.getEditorState())).blocks).toEqual([
      { t: 'code', lang: 'javascript', text: 'a' },
      { t: 'code', lang: '', text: 'b' },
    ]);
  });

  it('lists Lexical built by indenting (the nested list in an item of its own) hang on the item before', () => {
    const editor = headlessEditor();
    editor.update(
      () => {
        const nested = $createListNode('number').append($createListItemNode().append($createTextNode('inner')));
        $getRoot()
          .clear()
          .append(
            $createListNode('bullet').append(
              $createListItemNode().append($createTextNode('outer')),
              $createListItemNode().append(nested),
              $createListItemNode().append($createTextNode('after')),
            ),
          );
      },
      { discrete: true },
    );
    expect(parseCommentBody(editorStateToBody(editor.getEditorState())).blocks).toEqual([
      {
        t: 'list',
        ordered: false,
        items: [{ children: [text('outer')], list: { t: 'list', ordered: true, items: [{ children: [text('inner')] }] } }, { children: [text('after')] }],
      },
    ]);
  });
});
