'use client';

import { $createHeadingNode, $createQuoteNode, $isHeadingNode, $isQuoteNode, HeadingNode, QuoteNode } from '@lexical/rich-text';
import { $isListNode, INSERT_CHECK_LIST_COMMAND, INSERT_ORDERED_LIST_COMMAND, INSERT_UNORDERED_LIST_COMMAND, ListItemNode, ListNode, REMOVE_LIST_COMMAND } from '@lexical/list';
import { $isLinkNode, AutoLinkNode, autoLinkUrlMatcher, LinkNode, TOGGLE_LINK_COMMAND } from '@lexical/link';
import {
  BOLD_ITALIC_STAR,
  BOLD_STAR,
  CHECK_LIST,
  HEADING,
  INLINE_CODE,
  ITALIC_STAR,
  ITALIC_UNDERSCORE,
  LINK,
  ORDERED_LIST,
  QUOTE,
  STRIKETHROUGH,
  UNORDERED_LIST,
  type Transformer,
} from '@lexical/markdown';
import { $setBlocksType } from '@lexical/selection';
import { AutoLinkPlugin } from '@lexical/react/LexicalAutoLinkPlugin';
import { CheckListPlugin } from '@lexical/react/LexicalCheckListPlugin';
import { ClickableLinkPlugin } from '@lexical/react/LexicalClickableLinkPlugin';
import { LexicalCollaboration } from '@lexical/react/LexicalCollaborationContext';
import { CollaborationPlugin } from '@lexical/react/LexicalCollaborationPlugin';
import { LexicalComposer, type InitialConfigType } from '@lexical/react/LexicalComposer';
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { ContentEditable } from '@lexical/react/LexicalContentEditable';
import { LexicalErrorBoundary } from '@lexical/react/LexicalErrorBoundary';
import { LinkPlugin } from '@lexical/react/LexicalLinkPlugin';
import { ListPlugin } from '@lexical/react/LexicalListPlugin';
import { MarkdownShortcutPlugin } from '@lexical/react/LexicalMarkdownShortcutPlugin';
import { RichTextPlugin } from '@lexical/react/LexicalRichTextPlugin';
import type { Provider } from '@lexical/yjs';
import {
  $createParagraphNode,
  $getRoot,
  $getSelection,
  $isRangeSelection,
  $isRootOrShadowRoot,
  COMMAND_PRIORITY_LOW,
  FOCUS_COMMAND,
  FORMAT_TEXT_COMMAND,
  type LexicalEditor,
  type TextFormatType,
} from 'lexical';
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode, type RefObject } from 'react';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { z } from 'zod';
import { isFinalClose } from '../_live/close-reasons';
import type { Viewer } from '../_live/use-presence';
import { NumberedListIcon } from './composer-toolbar';
import styles from './notes-panel.module.css';

export interface NotesPanelProps {
  artifactId: string;
  /** Members and up write the notes; viewers (and agents without comments:write) read them. */
  canWrite: boolean;
  /** You, as `/me` says: the name and colour on your cursor (the server enforces the same). */
  viewer: Viewer;
}

/** Typing `# `, `- `, `1. `, `[] `, `> `, `**bold**`, `` `code` `` or `[text](url)` formats as you go. No code blocks: notes, not a code editor. */
const NOTES_MARKDOWN: Transformer[] = [HEADING, QUOTE, CHECK_LIST, UNORDERED_LIST, ORDERED_LIST, INLINE_CODE, BOLD_ITALIC_STAR, BOLD_STAR, ITALIC_STAR, ITALIC_UNDERSCORE, STRIKETHROUGH, LINK];
const URL_MATCHERS = [autoLinkUrlMatcher];
const LINK_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:']);
/** Room kept between a cursor's name and the panel's right edge. */
const CURSOR_LABEL_MARGIN_PX = 8;

const THEME: InitialConfigType['theme'] = {
  paragraph: styles.paragraph,
  quote: styles.quote,
  heading: { h1: styles.h1, h2: styles.h2, h3: styles.h3 },
  link: styles.link,
  list: {
    ul: styles.ul,
    ol: styles.ol,
    checklist: styles.checklist,
    listitem: styles.listItem,
    listitemChecked: styles.listItemChecked,
    listitemUnchecked: styles.listItemUnchecked,
    nested: { listitem: styles.nestedListItem },
  },
  text: { bold: styles.bold, italic: styles.italic, code: styles.code, strikethrough: styles.strikethrough, underline: styles.underline },
  collaboration: { cursor: styles.cursor, cursorName: styles.cursorName, selection: styles.selection, selectionBg: styles.selectionBg },
};

function isSafeUrl(url: string): boolean {
  try {
    return LINK_PROTOCOLS.has(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * The artifact's shared notes (incident notes, a hand-off summary): one
 * collaborative rich-text document in the `<id>/notes` room, edited by
 * everyone at once with their cursors and names shown. Viewers read it.
 */
export function NotesPanel({ artifactId, canWrite, viewer }: NotesPanelProps) {
  const [provider, setProvider] = useState<WebsocketProvider | null>(null);
  const hasSynced = useHasSynced(provider);
  const cursorsRef = useRef<HTMLDivElement>(null);

  const providerFactory = useCallback((id: string, docMap: Map<string, Y.Doc>): Provider => {
    let doc = docMap.get(id);
    if (!doc) {
      doc = new Y.Doc();
      docMap.set(id, doc);
    }
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const created = new WebsocketProvider(`${scheme}://${window.location.host}/collab`, id, doc, {
      // The plugin connects on mount; presence comes from the server only, never across tabs.
      connect: false,
      disableBc: true,
      shouldReconnect: (event) => !isFinalClose(event.code),
    });
    setProvider(created);
    // y-websocket's typed event emitter is the Provider Lexical describes, but not in TypeScript's eyes.
    return created as unknown as Provider;
  }, []);
  useDestroyOnUnmount(provider);
  useCursorLabelsInside(cursorsRef);

  const initialConfig: InitialConfigType = {
    namespace: `loupe-notes-${artifactId}`,
    nodes: [HeadingNode, QuoteNode, ListNode, ListItemNode, LinkNode, AutoLinkNode],
    // The document comes from the room: no local initial state.
    editorState: null,
    editable: false,
    theme: THEME,
    // Lexical recovers from a failed update by keeping the last good state; say so in the console.
    onError: (error) => console.error('notes editor', error),
  };

  return (
    <section className={styles.panel} aria-label="Shared notes" data-testid="notes-panel">
      <LexicalCollaboration>
        <LexicalComposer initialConfig={initialConfig}>
          <div className={styles.bar}>
            {canWrite ? <NotesToolbar isDisabled={!hasSynced} /> : <p className={styles.readOnly}>Read-only: viewers can’t edit the notes.</p>}
            <EditingNow provider={provider} />
          </div>
          <div className={styles.body}>
            <RichTextPlugin
              contentEditable={
                <ContentEditable
                  className={styles.editor}
                  aria-label="Shared notes"
                  aria-placeholder={canWrite ? 'Write notes for everyone here' : 'No notes yet'}
                  placeholder={<Placeholder canWrite={canWrite} hasSynced={hasSynced} />}
                  data-testid="notes-editor"
                />
              }
              ErrorBoundary={LexicalErrorBoundary}
            />
            {/* Other writers' carets go here, positioned against the body, so they scroll with the text. */}
            <div ref={cursorsRef} />
          </div>
          <CollaborationPlugin
            id={`${artifactId}/notes`}
            providerFactory={providerFactory}
            // Never seed: two clients seeding at once would each add a paragraph. An empty doc stays empty.
            shouldBootstrap={false}
            username={viewer.name}
            cursorColor={viewer.color}
            cursorsContainerRef={cursorsRef}
          />
          <ListPlugin />
          <CheckListPlugin />
          <LinkPlugin validateUrl={isSafeUrl} attributes={{ rel: 'noopener noreferrer', target: '_blank' }} />
          <AutoLinkPlugin matchers={URL_MATCHERS} />
          <ClickableLinkPlugin newTab />
          <MarkdownShortcutPlugin transformers={NOTES_MARKDOWN} />
          <EditableWhenSynced canWrite={canWrite} hasSynced={hasSynced} />
          <FirstParagraphOnFocus />
        </LexicalComposer>
      </LexicalCollaboration>
    </section>
  );
}

function Placeholder({ canWrite, hasSynced }: { canWrite: boolean; hasSynced: boolean }) {
  return (
    <div className={styles.placeholder} aria-hidden="true">
      {!hasSynced ? 'Loading the notes…' : canWrite ? 'Notes for everyone here: what happened, what’s next, who has it. Type # for a heading, - for a list, [] for a checklist.' : 'No notes yet.'}
    </div>
  );
}

/** True once the notes room has sent its document (the editor waits for it before taking input). */
function useHasSynced(provider: WebsocketProvider | null): boolean {
  const [hasSynced, setHasSynced] = useState(false);
  useEffect(() => {
    if (!provider) return;
    const onSync = (isSynced: boolean) => setHasSynced(isSynced);
    onSync(provider.synced);
    provider.on('sync', onSync);
    return () => provider.off('sync', onSync);
  }, [provider]);
  return hasSynced;
}

/**
 * The plugin only disconnects its provider; this destroys it (timers,
 * listeners) when the panel really goes. React's development double mount
 * remounts at once, so a destroy is put off a turn and skipped if so.
 */
function useDestroyOnUnmount(provider: WebsocketProvider | null): void {
  const isMountedRef = useRef(false);
  useEffect(() => {
    isMountedRef.current = true;
    return () => {
      isMountedRef.current = false;
      if (!provider) return;
      window.setTimeout(() => {
        if (!isMountedRef.current) provider.destroy();
      }, 0);
    };
  }, [provider]);
}

/**
 * A remote cursor's name sits to the right of its caret; near the panel's
 * right edge it would be cut off, so there it hangs to the left instead.
 * Lexical moves carets by their inline style, which is what is watched.
 */
function useCursorLabelsInside(containerRef: RefObject<HTMLDivElement | null>): void {
  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const place = () => {
      // The body the carets are positioned in (and clipped by).
      const right = (container.parentElement ?? container).getBoundingClientRect().right;
      for (const label of container.querySelectorAll<HTMLElement>(`.${styles.cursorName}`)) {
        const caret = label.parentElement;
        if (!caret) continue;
        const side = caret.getBoundingClientRect().left + label.offsetWidth > right - CURSOR_LABEL_MARGIN_PX ? 'left' : 'right';
        if (label.dataset.side !== side) label.dataset.side = side;
      }
    };
    const observer = new MutationObserver(place);
    observer.observe(container, { subtree: true, childList: true, attributes: true, attributeFilter: ['style'] });
    return () => observer.disconnect();
  }, [containerRef]);
}

/** Editable only for writers, and only once synced: typing into a document not yet loaded would fork it. */
function EditableWhenSynced({ canWrite, hasSynced }: { canWrite: boolean; hasSynced: boolean }): null {
  const [editor] = useLexicalComposerContext();
  useEffect(() => {
    editor.setEditable(canWrite && hasSynced);
  }, [editor, canWrite, hasSynced]);
  return null;
}

/**
 * An empty document has no paragraph to put a caret in, and nobody seeds one
 * (see `shouldBootstrap`). The first writer to focus it adds one: a real edit
 * by someone about to type, not a race at load.
 */
function FirstParagraphOnFocus(): null {
  const [editor] = useLexicalComposerContext();
  useEffect(
    () =>
      editor.registerCommand(
        FOCUS_COMMAND,
        () => {
          if (!editor.isEditable()) return false;
          editor.update(() => {
            const root = $getRoot();
            if (!root.isEmpty()) return;
            const paragraph = $createParagraphNode();
            root.append(paragraph);
            paragraph.select();
          });
          return false;
        },
        COMMAND_PRIORITY_LOW,
      ),
    [editor],
  );
  return null;
}

// ---- who is editing ---------------------------------------------------------

const editorStateSchema = z.object({
  focusing: z.literal(true),
  user: z.object({ id: z.string(), name: z.string(), color: z.string() }),
});

interface Editing {
  clientId: number;
  name: string;
  color: string;
}

/** Everyone with the notes focused, you included (your own state is never stamped by the server, so `name` is used). */
function readEditing(provider: WebsocketProvider): Editing[] {
  const { awareness } = provider;
  const editing: Editing[] = [];
  for (const [clientId, state] of awareness.getStates()) {
    if (clientId === awareness.clientID) {
      if (state.focusing === true && typeof state.name === 'string' && typeof state.color === 'string') {
        editing.push({ clientId, name: state.name, color: state.color });
      }
      continue;
    }
    const parsed = editorStateSchema.safeParse(state);
    if (parsed.success) editing.push({ clientId, name: parsed.data.user.name, color: parsed.data.user.color });
  }
  return editing;
}

function EditingNow({ provider }: { provider: WebsocketProvider | null }) {
  const [editing, setEditing] = useState<Editing[]>([]);
  useEffect(() => {
    if (!provider) return;
    const update = () => setEditing(readEditing(provider));
    update();
    provider.awareness.on('change', update);
    return () => provider.awareness.off('change', update);
  }, [provider]);
  if (editing.length === 0) return null;
  const names = editing.map((e) => e.name).join(', ');
  return (
    <p className={styles.editing} title={names} data-testid="notes-editing">
      <span className={styles.editingDots} aria-hidden="true">
        {editing.slice(0, 4).map((e) => (
          <span key={e.clientId} className={styles.editingDot} style={{ background: e.color }} />
        ))}
      </span>
      <span>{editing.length} editing</span>
      <span className="visually-hidden">: {names}</span>
    </p>
  );
}

// ---- toolbar ------------------------------------------------------------------

type BlockKind = 'paragraph' | 'h2' | 'h3' | 'quote' | 'bullet' | 'number' | 'check';

interface ToolbarState {
  formats: ReadonlySet<TextFormatType>;
  block: BlockKind;
  isLink: boolean;
}

const TEXT_FORMATS: ReadonlyArray<{ format: TextFormatType; label: string; shortcut: string; icon: ReactNode }> = [
  { format: 'bold', label: 'Bold', shortcut: 'Control+B', icon: <strong>B</strong> },
  { format: 'italic', label: 'Italic', shortcut: 'Control+I', icon: <em>I</em> },
  { format: 'code', label: 'Inline code', shortcut: '', icon: <code>{'</>'}</code> },
];

const BLOCKS: ReadonlyArray<{ kind: Exclude<BlockKind, 'paragraph'>; label: string; icon: ReactNode }> = [
  { kind: 'h2', label: 'Heading, H2', icon: 'H2' },
  { kind: 'h3', label: 'Subheading, H3', icon: 'H3' },
  { kind: 'bullet', label: 'Bulleted list', icon: '•' },
  { kind: 'number', label: 'Numbered list', icon: <NumberedListIcon /> },
  { kind: 'check', label: 'Checklist', icon: '☑' },
];

function readToolbarState(editor: LexicalEditor): ToolbarState {
  return editor.getEditorState().read(() => {
    const selection = $getSelection();
    if (!$isRangeSelection(selection)) return { formats: new Set(), block: 'paragraph', isLink: false };
    const formats = new Set<TextFormatType>(TEXT_FORMATS.map((f) => f.format).filter((f) => selection.hasFormat(f)));
    const anchor = selection.anchor.getNode();
    // The innermost list around the caret, if any.
    const list = [anchor, ...anchor.getParents()].find($isListNode);
    const top = $isRootOrShadowRoot(anchor) ? null : anchor.getTopLevelElement();
    let block: BlockKind = 'paragraph';
    if (list) block = list.getListType() === 'check' ? 'check' : list.getListType() === 'number' ? 'number' : 'bullet';
    else if ($isHeadingNode(top)) block = top.getTag() === 'h3' ? 'h3' : 'h2';
    else if ($isQuoteNode(top)) block = 'quote';
    const isLink = $isLinkNode(anchor.getParent()) || $isLinkNode(anchor);
    return { formats, block, isLink };
  });
}

function applyBlock(editor: LexicalEditor, kind: Exclude<BlockKind, 'paragraph'>, current: BlockKind): void {
  const isOn = current === kind;
  if (kind === 'bullet' || kind === 'number' || kind === 'check') {
    if (isOn) editor.dispatchCommand(REMOVE_LIST_COMMAND, undefined);
    else editor.dispatchCommand(kind === 'bullet' ? INSERT_UNORDERED_LIST_COMMAND : kind === 'number' ? INSERT_ORDERED_LIST_COMMAND : INSERT_CHECK_LIST_COMMAND, undefined);
    return;
  }
  editor.update(() => {
    const selection = $getSelection();
    if (!$isRangeSelection(selection)) return;
    if (isOn) $setBlocksType(selection, () => $createParagraphNode());
    else if (kind === 'quote') $setBlocksType(selection, () => $createQuoteNode());
    else $setBlocksType(selection, () => $createHeadingNode(kind));
  });
}

function NotesToolbar({ isDisabled }: { isDisabled: boolean }) {
  const [editor] = useLexicalComposerContext();
  const [state, setState] = useState<ToolbarState>({ formats: new Set(), block: 'paragraph', isLink: false });
  const [isLinkOpen, setLinkOpen] = useState(false);

  useEffect(() => editor.registerUpdateListener(() => setState(readToolbarState(editor))), [editor]);

  const toggleLink = () => {
    if (state.isLink) editor.dispatchCommand(TOGGLE_LINK_COMMAND, null);
    else setLinkOpen((open) => !open);
  };

  return (
    <div className={styles.toolbar} role="toolbar" aria-label="Format the notes">
      {TEXT_FORMATS.map(({ format, label, shortcut, icon }) => (
        <ToolButton
          key={format}
          label={label}
          shortcut={shortcut}
          isPressed={state.formats.has(format)}
          isDisabled={isDisabled}
          onClick={() => editor.dispatchCommand(FORMAT_TEXT_COMMAND, format)}
        >
          {icon}
        </ToolButton>
      ))}
      <ToolButton label={state.isLink ? 'Remove link' : 'Link'} isPressed={state.isLink} isDisabled={isDisabled} onClick={toggleLink}>
        <LinkGlyph />
      </ToolButton>
      <span className={styles.separator} aria-hidden="true" />
      {BLOCKS.map(({ kind, label, icon }) => (
        <ToolButton key={kind} label={label} isPressed={state.block === kind} isDisabled={isDisabled} onClick={() => applyBlock(editor, kind, state.block)}>
          {icon}
        </ToolButton>
      ))}
      {isLinkOpen ? <LinkForm onDone={() => setLinkOpen(false)} /> : null}
    </div>
  );
}

function ToolButton({
  label,
  shortcut,
  isPressed,
  isDisabled,
  onClick,
  children,
}: {
  label: string;
  shortcut?: string;
  isPressed: boolean;
  isDisabled: boolean;
  onClick(): void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className={styles.tool}
      aria-label={label}
      aria-pressed={isPressed}
      aria-keyshortcuts={shortcut || undefined}
      title={label}
      disabled={isDisabled}
      // Keep the editor's selection: the button acts on it.
      onMouseDown={(event) => event.preventDefault()}
      onClick={onClick}
    >
      {children}
    </button>
  );
}

/** A small inline form for a link's address; the selection stays in the editor state meanwhile. */
function LinkForm({ onDone }: { onDone(): void }) {
  const [editor] = useLexicalComposerContext();
  const [url, setUrl] = useState('https://');
  const [isInvalid, setInvalid] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!isSafeUrl(url)) {
      setInvalid(true);
      return;
    }
    editor.dispatchCommand(TOGGLE_LINK_COMMAND, url);
    onDone();
    editor.focus();
  };
  return (
    <form className={styles.linkForm} onSubmit={submit}>
      <input
        className={`input ${styles.linkInput}`}
        type="url"
        value={url}
        aria-label="Link address"
        aria-invalid={isInvalid || undefined}
        autoFocus
        onChange={(event) => {
          setUrl(event.target.value);
          setInvalid(false);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            onDone();
            editor.focus();
          }
        }}
      />
      <button type="submit" className={`button ${styles.linkApply}`}>
        Add link
      </button>
    </form>
  );
}

function LinkGlyph() {
  return (
    <svg width={15} height={15} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71" />
      <path d="M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71" />
    </svg>
  );
}
