'use client';

/**
 * The comment composer: Lexical rich text that produces a CommentBody.
 *
 * Markdown shortcuts as you type (`**bold**`, `- `, `1. `, `> `, ``` ), a
 * toolbar, @mentions, Ctrl/Cmd+Enter to send and Escape to cancel. On send the
 * editor's content becomes a body through `editorStateToBody` and
 * `parseCommentBody` (the same gate the server uses, so limits are reported
 * here first); the editor is read-only while `onSubmit` runs, cleared when it
 * resolves, and kept with the error shown when it rejects.
 */
import { $isListItemNode, $isListNode, $getListDepth } from '@lexical/list';
import {
  BOLD_ITALIC_STAR,
  BOLD_ITALIC_UNDERSCORE,
  BOLD_STAR,
  BOLD_UNDERSCORE,
  CODE,
  INLINE_CODE,
  ITALIC_STAR,
  ITALIC_UNDERSCORE,
  LINK,
  ORDERED_LIST,
  QUOTE,
  STRIKETHROUGH,
  UNORDERED_LIST,
  type TextMatchTransformer,
  type Transformer,
} from '@lexical/markdown';
import { AutoFocusPlugin } from '@lexical/react/LexicalAutoFocusPlugin';
import { LexicalComposer, type InitialConfigType } from '@lexical/react/LexicalComposer';
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { ContentEditable } from '@lexical/react/LexicalContentEditable';
import { LexicalErrorBoundary } from '@lexical/react/LexicalErrorBoundary';
import { HistoryPlugin } from '@lexical/react/LexicalHistoryPlugin';
import { LinkPlugin } from '@lexical/react/LexicalLinkPlugin';
import { ListPlugin } from '@lexical/react/LexicalListPlugin';
import { MarkdownShortcutPlugin } from '@lexical/react/LexicalMarkdownShortcutPlugin';
import { RichTextPlugin } from '@lexical/react/LexicalRichTextPlugin';
import {
  $createParagraphNode,
  $findMatchingParent,
  $getRoot,
  $getSelection,
  $isRangeSelection,
  CLEAR_HISTORY_COMMAND,
  COMMAND_PRIORITY_BEFORE_EDITOR,
  COMMAND_PRIORITY_HIGH,
  FORMAT_TEXT_COMMAND,
  INDENT_CONTENT_COMMAND,
  KEY_DOWN_COMMAND,
  KEY_ESCAPE_COMMAND,
  KEY_TAB_COMMAND,
  mergeRegister,
  OUTDENT_CONTENT_COMMAND,
  type EditorThemeClasses,
  type LexicalEditor,
  type TextFormatType,
} from 'lexical';
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState, useSyncExternalStore, type JSX } from 'react';
import { hasVisibleContent, isCommentLinkUrl, parseCommentBody, type CommentBody } from '../../../../lib/review/body';
import { REVIEW_LIMITS, type MentionableView } from '../../../../lib/review/types';
import { MentionsPlugin } from './composer-mentions';
import { ComposerToolbar, LinkField, readLinkDraft, useModifierLabel, type LinkDraft } from './composer-toolbar';
import { bodyToEditor, COMMENT_EDITOR_NODES, editorStateToBody } from './lexical-body';
import styles from './composer.module.css';

export interface ComposerProps {
  mentionables: MentionableView[];
  /** For editing: the body to start from. */
  initialBody?: CommentBody | null;
  placeholder: string;
  /** "Comment", "Reply", "Save". */
  submitLabel: string;
  /** Resolve: the composer clears. Reject: the text stays and the error's message is shown. */
  onSubmit(body: CommentBody): Promise<void>;
  onCancel?: () => void;
  autoFocus?: boolean;
  ariaLabel: string;
  testId?: string;
}

const THEME: EditorThemeClasses = {
  paragraph: styles.paragraph,
  quote: styles.quote,
  code: styles.codeBlock,
  link: styles.link,
  list: {
    ul: styles.list,
    ol: styles.list,
    listitem: styles.listItem,
    nested: { listitem: styles.nestedListItem },
  },
  text: {
    bold: styles.bold,
    italic: styles.italic,
    code: styles.inlineCode,
    strikethrough: styles.strikethrough,
  },
  mention: styles.mention,
};

/** `[text](url)` typed out becomes a link only when the URL is one a comment may hold. */
const SAFE_LINK: TextMatchTransformer = {
  ...LINK,
  replace: (node, match) => {
    const url = match[2] ?? match[3] ?? '';
    if (!isCommentLinkUrl(url)) return;
    return LINK.replace?.(node, match);
  },
};

const MARKDOWN_SHORTCUTS: Transformer[] = [
  CODE,
  UNORDERED_LIST,
  ORDERED_LIST,
  QUOTE,
  INLINE_CODE,
  BOLD_ITALIC_STAR,
  BOLD_ITALIC_UNDERSCORE,
  BOLD_STAR,
  BOLD_UNDERSCORE,
  ITALIC_STAR,
  ITALIC_UNDERSCORE,
  STRIKETHROUGH,
  SAFE_LINK,
];

/** Text formats a body can hold; others (underline, highlight, …) are refused where they are asked for. */
const BODY_FORMATS: ReadonlySet<TextFormatType> = new Set(['bold', 'italic', 'code', 'strikethrough']);

export function Composer(props: ComposerProps): JSX.Element {
  const { initialBody, testId } = props;
  // Lexical reads its initial config once; keep it stable across renders.
  const [initialConfig] = useState<InitialConfigType>(() => ({
    namespace: 'loupe-comment',
    nodes: [...COMMENT_EDITOR_NODES],
    theme: THEME,
    editorState: initialBody ? bodyToEditor(initialBody) : undefined,
    onError: (error: Error) => {
      // Lexical reports a plugin or reconciliation bug here: log it and keep the editor usable.
      console.error(error);
    },
  }));

  // The editor exists only in the browser: rendered on the server, Lexical's
  // placeholder and content would not match what hydration builds.
  const isClient = useSyncExternalStore(subscribeToNothing, () => true, () => false);

  return (
    <div className={styles.composer} data-testid={testId}>
      {isClient ? (
        <LexicalComposer initialConfig={initialConfig}>
          <ComposerBody {...props} />
        </LexicalComposer>
      ) : (
        <div className={styles.shell} aria-hidden="true" />
      )}
    </div>
  );
}

function subscribeToNothing(): () => void {
  return () => {};
}

function ComposerBody({ mentionables, placeholder, submitLabel, onSubmit, onCancel, autoFocus = false, ariaLabel }: ComposerProps) {
  const [editor] = useLexicalComposerContext();
  const [isEmpty, setIsEmpty] = useState(() => !hasVisibleContent(editorStateToBody(editor.getEditorState())));
  const [isSending, setIsSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [linkDraft, setLinkDraft] = useState<LinkDraft | null>(null);
  const isSendingRef = useRef(false);
  // The latest callbacks, so keyboard commands register once rather than on every render.
  const onSubmitRef = useRef(onSubmit);
  const onCancelRef = useRef(onCancel);
  useLayoutEffect(() => {
    onSubmitRef.current = onSubmit;
    onCancelRef.current = onCancel;
  });
  const mod = useModifierLabel();
  const errorId = useId();

  useEffect(
    () =>
      editor.registerUpdateListener(({ editorState, dirtyElements, dirtyLeaves }) => {
        if (dirtyElements.size === 0 && dirtyLeaves.size === 0) return; // the caret moved, the content did not
        setIsEmpty(!hasVisibleContent(editorStateToBody(editorState)));
        setError(null); // editing after a failure clears its message
      }),
    [editor],
  );

  const submit = useCallback(async () => {
    if (isSendingRef.current) return;
    let body: CommentBody;
    try {
      body = parseCommentBody(editorStateToBody(editor.getEditorState()));
    } catch (failure) {
      setError(messageOf(failure));
      return;
    }
    isSendingRef.current = true;
    setIsSending(true);
    setError(null);
    editor.setEditable(false);
    try {
      await onSubmitRef.current(body);
      clearEditor(editor);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      isSendingRef.current = false;
      editor.setEditable(true);
      setIsSending(false);
      editor.focus();
    }
  }, [editor]);

  const openLink = useCallback(() => setLinkDraft(readLinkDraft(editor)), [editor]);
  const cancel = useCallback((): boolean => {
    if (!onCancelRef.current) return false;
    onCancelRef.current();
    return true;
  }, []);

  useComposerKeys(editor, { submit, openLink, cancel });

  return (
    <>
      <div className={styles.editorArea}>
        <RichTextPlugin
          contentEditable={
            <ContentEditable
              className={styles.editable}
              ariaLabel={ariaLabel}
              ariaMultiline
              ariaInvalid={error ? true : undefined}
              ariaDescribedBy={error ? errorId : undefined}
              aria-placeholder={placeholder}
              placeholder={<div className={styles.placeholder}>{placeholder}</div>}
              spellCheck
            />
          }
          ErrorBoundary={LexicalErrorBoundary}
        />
      </div>
      <HistoryPlugin />
      <ListPlugin />
      <LinkPlugin validateUrl={isCommentLinkUrl} />
      <MarkdownShortcutPlugin transformers={MARKDOWN_SHORTCUTS} />
      <MentionsPlugin mentionables={mentionables} />
      {autoFocus ? <AutoFocusPlugin defaultSelection="rootEnd" /> : null}

      {linkDraft ? <LinkField draft={linkDraft} onClose={() => setLinkDraft(null)} /> : null}

      <div className={styles.footer}>
        <ComposerToolbar onLink={openLink} disabled={isSending} />
        <div className={styles.actions}>
          {onCancel ? (
            <button type="button" className={`button button-ghost ${styles.smallButton}`} onClick={onCancel} disabled={isSending}>
              Cancel
            </button>
          ) : null}
          <button
            type="button"
            className={`button button-primary ${styles.smallButton}`}
            onClick={() => void submit()}
            disabled={isEmpty || isSending}
            aria-keyshortcuts="Control+Enter Meta+Enter"
            title={`${submitLabel} (${mod}Enter)`}
          >
            {isSending ? (
              <>
                <span className="spinner" aria-hidden="true" /> {submitLabel}
              </>
            ) : (
              submitLabel
            )}
          </button>
        </div>
      </div>

      {error ? (
        <p id={errorId} className={styles.error} role="alert">
          {error}
        </p>
      ) : null}
    </>
  );
}

function clearEditor(editor: LexicalEditor): void {
  editor.update(() => {
    $getRoot().clear().append($createParagraphNode());
  });
  editor.dispatchCommand(CLEAR_HISTORY_COMMAND, undefined);
}

function messageOf(failure: unknown): string {
  if (failure instanceof Error && failure.message) return failure.message;
  return 'Your comment could not be sent. Try again.';
}

/**
 * The composer's keys. Ctrl/Cmd+Enter sends (before anything else sees
 * Enter, so not even an open mention menu swallows it); Ctrl/Cmd+E is inline
 * code and Ctrl/Cmd+K the link field (Lexical already has B and I); Escape
 * cancels once the mention menu has had its chance to close; Tab and
 * Shift+Tab indent list items up to the depth a body allows, and anywhere
 * else leave the editor as Tab normally does.
 */
function useComposerKeys(
  editor: LexicalEditor,
  { submit, openLink, cancel }: { submit(): Promise<void>; openLink(): void; cancel(): boolean },
): void {
  useEffect(
    () =>
      mergeRegister(
        editor.registerCommand(
          KEY_DOWN_COMMAND,
          (event) => {
            const isMod = event.ctrlKey || event.metaKey;
            if (!isMod || event.altKey) return false;
            const key = event.key.toLowerCase();
            if (key === 'enter') {
              event.preventDefault();
              void submit();
              return true;
            }
            if (event.shiftKey) return false;
            if (key === 'e') {
              event.preventDefault();
              editor.dispatchCommand(FORMAT_TEXT_COMMAND, 'code');
              return true;
            }
            if (key === 'k') {
              event.preventDefault();
              openLink();
              return true;
            }
            if (key === 'u') {
              event.preventDefault(); // no underline in comments, and no browser default either
              return true;
            }
            return false;
          },
          COMMAND_PRIORITY_HIGH,
        ),
        editor.registerCommand(FORMAT_TEXT_COMMAND, (format) => !BODY_FORMATS.has(format), COMMAND_PRIORITY_HIGH),
        editor.registerCommand(
          KEY_ESCAPE_COMMAND,
          (event) => {
            if (!cancel()) return false;
            event.preventDefault();
            return true;
          },
          // After the mention menu (LOW) closes itself, before rich text (EDITOR) blurs.
          COMMAND_PRIORITY_BEFORE_EDITOR,
        ),
        editor.registerCommand(
          KEY_TAB_COMMAND,
          (event) => {
            const depth = editor.getEditorState().read($listDepthAtSelection);
            if (depth === null) return false;
            event.preventDefault();
            if (event.shiftKey) editor.dispatchCommand(OUTDENT_CONTENT_COMMAND, undefined);
            else if (depth < REVIEW_LIMITS.listDepth) editor.dispatchCommand(INDENT_CONTENT_COMMAND, undefined);
            return true;
          },
          COMMAND_PRIORITY_BEFORE_EDITOR,
        ),
      ),
    [editor, submit, openLink, cancel],
  );
}

/** How deep the list holding the caret is (1 for a top-level list), or null outside lists. */
function $listDepthAtSelection(): number | null {
  const selection = $getSelection();
  if (!$isRangeSelection(selection)) return null;
  const item = $findMatchingParent(selection.anchor.getNode(), $isListItemNode);
  const list = item?.getParent();
  return $isListNode(list) ? $getListDepth(list) : null;
}
