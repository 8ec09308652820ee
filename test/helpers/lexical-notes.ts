import * as Y from 'yjs';
import { createEditor, $createParagraphNode, $createTextNode, $createLineBreakNode, $getRoot, SKIP_COLLAB_TAG, type LexicalEditor } from 'lexical';
import { HeadingNode, QuoteNode, $createHeadingNode, $createQuoteNode } from '@lexical/rich-text';
import { ListNode, ListItemNode, $createListNode, $createListItemNode } from '@lexical/list';
import { LinkNode, AutoLinkNode, $createLinkNode } from '@lexical/link';
import { createBinding, syncLexicalUpdateToYjs, syncYjsChangesToLexical, type Provider } from '@lexical/yjs';
import { connectClient, whenSynced, type TestClient, type TestLoupe } from './loupe';

/**
 * A real Lexical editor bound to a notes room with `@lexical/yjs` (binding
 * v1, as the notes panel's CollaborationPlugin does), without a DOM: the
 * document shapes it writes are the ones the browser writes.
 */
export interface LexicalNotesClient {
  client: TestClient;
  editor: LexicalEditor;
  /** Applies `write` as a Lexical update and waits for it to be written to the Yjs document. */
  write(write: () => void): Promise<void>;
  /** The editor's text, as Lexical has it. */
  text(): string;
  /** Errors Lexical reported (a sync it could not apply). */
  errors: Error[];
  destroy(): void;
}

export const NOTES_NODES = [HeadingNode, QuoteNode, ListNode, ListItemNode, LinkNode, AutoLinkNode];

export async function connectLexicalNotes(loupe: TestLoupe, artifactId: string, token?: string): Promise<LexicalNotesClient> {
  const client = connectClient(loupe, `${artifactId}/notes`, token);
  const errors: Error[] = [];
  const editor = createEditor({ namespace: 'notes-test', nodes: NOTES_NODES, onError: (error) => errors.push(error) });
  const provider = client.provider as unknown as Provider;
  const docMap = new Map<string, Y.Doc>([[`${artifactId}/notes`, client.doc]]);
  const binding = createBinding(editor, provider, `${artifactId}/notes`, client.doc, docMap);
  const shared = binding.root.getSharedType();
  const onYjs = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction) => {
    if (transaction.origin !== binding) syncYjsChangesToLexical(binding, provider, events as never, false);
  };
  shared.observeDeep(onYjs as never);
  const removeListener = editor.registerUpdateListener(({ prevEditorState, editorState, dirtyElements, dirtyLeaves, normalizedNodes, tags }) => {
    if (!tags.has(SKIP_COLLAB_TAG)) syncLexicalUpdateToYjs(binding, provider, prevEditorState, editorState, dirtyElements, dirtyLeaves, normalizedNodes, tags);
  });
  // Bound before the room's document arrives, as the plugin is: the sync reaches the editor through observeDeep.
  await whenSynced(client);
  return {
    client,
    editor,
    write: (write) =>
      new Promise<void>((resolve) => {
        editor.update(write, { onUpdate: () => resolve(), discrete: true });
      }),
    errors,
    text: () => editor.getEditorState().read(() => $getRoot().getTextContent()),
    destroy: () => {
      removeListener();
      shared.unobserveDeep(onYjs as never);
      client.destroy();
    },
  };
}

/** Writes a note with the shapes a person makes: a heading, bold text, a line break, a link and a nested list. */
export function $writeRichNote(label: string): void {
  const root = $getRoot();
  const heading = $createHeadingNode('h2').append($createTextNode(`Incident ${label}`));
  const paragraph = $createParagraphNode().append(
    $createTextNode('Bold ').toggleFormat('bold'),
    $createTextNode('and plain'),
    $createLineBreakNode(),
    $createLinkNode('https://example.com/runbook').append($createTextNode('runbook')),
  );
  const inner = $createListNode('bullet').append($createListItemNode().append($createTextNode('nested item')));
  const list = $createListNode('number').append(
    $createListItemNode().append($createTextNode('first')),
    $createListItemNode().append(inner),
    $createListItemNode(true).append($createTextNode('done')),
  );
  const quote = $createQuoteNode().append($createTextNode('quoted'));
  root.append(heading, paragraph, list, quote);
}
