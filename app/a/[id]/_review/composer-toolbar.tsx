'use client';

/**
 * The composer's formatting toolbar and its link field.
 *
 * One tab stop for the whole toolbar (arrow keys move between buttons, as
 * WAI-ARIA's toolbar pattern has it); each button says whether it is on with
 * aria-pressed and names its shortcut. Buttons keep the editor's selection:
 * they never take focus on mouse down, and hand focus back after acting.
 */
import { $createCodeNode, $isCodeNode } from '@lexical/code-core';
import { $createLinkNode, $isLinkNode, $toggleLink } from '@lexical/link';
import { $isListNode, INSERT_ORDERED_LIST_COMMAND, INSERT_UNORDERED_LIST_COMMAND, REMOVE_LIST_COMMAND } from '@lexical/list';
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { $setBlocksType } from '@lexical/selection';
import {
  $createParagraphNode,
  $createTextNode,
  $findMatchingParent,
  $getSelection,
  $isRangeSelection,
  $setSelection,
  FORMAT_TEXT_COMMAND,
  IS_APPLE,
  type BaseSelection,
  type LexicalEditor,
  type LexicalNode,
  type TextFormatType,
} from 'lexical';
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { isCommentLinkUrl } from '../../../../lib/review/body';
import styles from './composer.module.css';

// ---- what the selection is ----

export interface SelectionFormats {
  bold: boolean;
  italic: boolean;
  code: boolean;
  link: boolean;
  list: 'bullet' | 'number' | null;
  codeBlock: boolean;
}

const NO_FORMATS: SelectionFormats = { bold: false, italic: false, code: false, link: false, list: null, codeBlock: false };

function $readSelectionFormats(): SelectionFormats {
  const selection = $getSelection();
  if (!$isRangeSelection(selection)) return NO_FORMATS;
  const anchor = selection.anchor.getNode();
  const list = $findMatchingParent(anchor, $isListNode);
  const listType = list?.getListType();
  return {
    bold: selection.hasFormat('bold'),
    italic: selection.hasFormat('italic'),
    code: selection.hasFormat('code'),
    link: $findMatchingParent(anchor, $isLinkNode) !== null,
    list: listType === 'bullet' || listType === 'number' ? listType : null,
    codeBlock: $findMatchingParent(anchor, $isCodeNode) !== null,
  };
}

function useSelectionFormats(editor: LexicalEditor): SelectionFormats {
  const [formats, setFormats] = useState<SelectionFormats>(NO_FORMATS);
  useEffect(
    () =>
      editor.registerUpdateListener(({ editorState }) => {
        const next = editorState.read($readSelectionFormats);
        setFormats((previous) => (sameFormats(previous, next) ? previous : next));
      }),
    [editor],
  );
  return formats;
}

function sameFormats(a: SelectionFormats, b: SelectionFormats): boolean {
  return (Object.keys(a) as Array<keyof SelectionFormats>).every((key) => a[key] === b[key]);
}

/** "⌘" on Apple platforms, "Ctrl+" elsewhere; decided after hydration so server and client agree. */
export function useModifierLabel(): string {
  const [label, setLabel] = useState('Ctrl+');
  useEffect(() => {
    if (IS_APPLE) setLabel('⌘');
  }, []);
  return label;
}

// ---- actions ----

function toggleList(editor: LexicalEditor, type: 'bullet' | 'number', current: SelectionFormats['list']): void {
  if (current === type) editor.dispatchCommand(REMOVE_LIST_COMMAND, undefined);
  else editor.dispatchCommand(type === 'bullet' ? INSERT_UNORDERED_LIST_COMMAND : INSERT_ORDERED_LIST_COMMAND, undefined);
}

/** A code block from the caret's line, or from the selected text (one block, however many lines); again to undo. */
function toggleCodeBlock(editor: LexicalEditor, isCodeBlock: boolean): void {
  editor.update(() => {
    const selection = $getSelection();
    if (!$isRangeSelection(selection)) return;
    if (isCodeBlock) {
      $setBlocksType(selection, () => $createParagraphNode());
    } else if (selection.isCollapsed()) {
      $setBlocksType(selection, () => $createCodeNode());
    } else {
      const text = selection.getTextContent();
      selection.insertNodes([$createCodeNode()]);
      const inside = $getSelection();
      if ($isRangeSelection(inside)) inside.insertRawText(text);
    }
  });
}

// ---- links ----

/** What the link field edits: the selection it was opened on, and the link already there, if any. */
export interface LinkDraft {
  url: string;
  isExisting: boolean;
  selection: BaseSelection | null;
}

export function readLinkDraft(editor: LexicalEditor): LinkDraft {
  return editor.getEditorState().read(() => {
    const selection = $getSelection();
    const link = $isRangeSelection(selection) ? $findMatchingParent(selection.anchor.getNode(), $isLinkNode) : null;
    return { url: link?.getURL() ?? '', isExisting: link !== null, selection: selection?.clone() ?? null };
  });
}

/**
 * What a person typed into the link field, as a URL a comment may hold:
 * "example.com/x" gets https://, "ada@example.com" gets mailto:. Null when
 * it still is not http, https or mailto.
 */
export function normalizeLinkInput(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed === '') return null;
  const candidates = [trimmed];
  if (!/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) {
    if (/^[^\s@/]+@[^\s@/]+\.[^\s@/]+$/.test(trimmed)) candidates.push(`mailto:${trimmed}`);
    else candidates.push(`https://${trimmed.replace(/^\/+/, '')}`);
  }
  return candidates.find(isCommentLinkUrl) ?? null;
}

function $linkAtSelection(): LexicalNode | null {
  const selection = $getSelection();
  return $isRangeSelection(selection) ? $findMatchingParent(selection.anchor.getNode(), $isLinkNode) : null;
}

function applyLink(editor: LexicalEditor, draft: LinkDraft, url: string): void {
  editor.update(() => {
    if (draft.selection) $setSelection(draft.selection.clone());
    const selection = $getSelection();
    if (!$isRangeSelection(selection)) return;
    const existing = $linkAtSelection();
    if ($isLinkNode(existing)) {
      existing.setURL(url);
    } else if (selection.isCollapsed()) {
      // Nothing selected: the URL is its own text.
      const link = $createLinkNode(url).append($createTextNode(url));
      selection.insertNodes([link]);
      link.selectNext(0, 0);
    } else {
      $toggleLink(url);
    }
  });
  editor.focus();
}

function removeLink(editor: LexicalEditor, draft: LinkDraft): void {
  editor.update(() => {
    if (draft.selection) $setSelection(draft.selection.clone());
    const existing = $linkAtSelection();
    if ($isLinkNode(existing)) {
      for (const child of existing.getChildren()) existing.insertBefore(child);
      existing.remove();
    } else {
      $toggleLink(null);
    }
  });
  editor.focus();
}

export function LinkField({ draft, onClose }: { draft: LinkDraft; onClose(): void }) {
  const [editor] = useLexicalComposerContext();
  const [value, setValue] = useState(draft.url);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const id = useId();

  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);

  const close = () => {
    onClose();
    editor.focus();
  };
  const apply = () => {
    const url = normalizeLinkInput(value);
    if (!url) {
      setError('Links must be web addresses (http:// or https://) or email addresses.');
      inputRef.current?.focus();
      return;
    }
    applyLink(editor, draft, url);
    onClose();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      apply();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  };

  return (
    <div className={styles.linkField} role="group" aria-labelledby={`${id}-label`}>
      <label id={`${id}-label`} htmlFor={`${id}-url`} className={styles.linkLabel}>
        Link
      </label>
      <input
        ref={inputRef}
        id={`${id}-url`}
        className={`input ${styles.linkInput}`}
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        placeholder="https://…"
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => {
          setValue(event.target.value);
          setError(null);
        }}
        onKeyDown={onKeyDown}
      />
      <button type="button" className={`button button-primary ${styles.smallButton}`} onClick={apply}>
        {draft.isExisting ? 'Update' : 'Add link'}
      </button>
      {draft.isExisting ? (
        <button
          type="button"
          className={`button ${styles.smallButton}`}
          onClick={() => {
            removeLink(editor, draft);
            onClose();
          }}
        >
          Remove
        </button>
      ) : null}
      <button type="button" className={`button button-ghost ${styles.smallButton}`} onClick={close}>
        Cancel
      </button>
      {error ? (
        <p id={`${id}-error`} className={styles.linkError}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

// ---- the toolbar ----

interface ToolbarButton {
  key: string;
  label: string;
  shortcut: string | null;
  /** For aria-keyshortcuts, e.g. "Control+B Meta+B". */
  keys: string | null;
  isOn: boolean;
  icon: ReactNode;
  run(): void;
}

export function ComposerToolbar({ onLink, disabled }: { onLink(): void; disabled: boolean }) {
  const [editor] = useLexicalComposerContext();
  const formats = useSelectionFormats(editor);
  const mod = useModifierLabel();
  const [focusIndex, setFocusIndex] = useState(0);
  const buttonRefs = useRef<Array<HTMLButtonElement | null>>([]);

  const format = (type: TextFormatType) => () => {
    editor.dispatchCommand(FORMAT_TEXT_COMMAND, type);
    editor.focus();
  };
  const block = (action: () => void) => () => {
    action();
    editor.focus();
  };

  const buttons: ToolbarButton[] = [
    { key: 'bold', label: 'Bold', shortcut: `${mod}B`, keys: 'Control+B Meta+B', isOn: formats.bold, icon: <BoldIcon />, run: format('bold') },
    { key: 'italic', label: 'Italic', shortcut: `${mod}I`, keys: 'Control+I Meta+I', isOn: formats.italic, icon: <ItalicIcon />, run: format('italic') },
    { key: 'code', label: 'Inline code', shortcut: `${mod}E`, keys: 'Control+E Meta+E', isOn: formats.code, icon: <CodeIcon />, run: format('code') },
    { key: 'link', label: 'Link', shortcut: `${mod}K`, keys: 'Control+K Meta+K', isOn: formats.link, icon: <LinkIcon />, run: onLink },
    {
      key: 'bullet',
      label: 'Bulleted list',
      shortcut: null,
      keys: null,
      isOn: formats.list === 'bullet',
      icon: <BulletListIcon />,
      run: block(() => toggleList(editor, 'bullet', formats.list)),
    },
    {
      key: 'number',
      label: 'Numbered list',
      shortcut: null,
      keys: null,
      isOn: formats.list === 'number',
      icon: <NumberedListIcon />,
      run: block(() => toggleList(editor, 'number', formats.list)),
    },
    {
      key: 'codeBlock',
      label: 'Code block',
      shortcut: null,
      keys: null,
      isOn: formats.codeBlock,
      icon: <CodeBlockIcon />,
      run: block(() => toggleCodeBlock(editor, formats.codeBlock)),
    },
  ];

  const moveFocus = (event: KeyboardEvent<HTMLDivElement>) => {
    const last = buttons.length - 1;
    const next =
      event.key === 'ArrowRight' ? (focusIndex === last ? 0 : focusIndex + 1)
      : event.key === 'ArrowLeft' ? (focusIndex === 0 ? last : focusIndex - 1)
      : event.key === 'Home' ? 0
      : event.key === 'End' ? last
      : null;
    if (next === null) return;
    event.preventDefault();
    setFocusIndex(next);
    buttonRefs.current[next]?.focus();
  };

  return (
    <div role="toolbar" aria-label="Formatting" className={styles.toolbar} onKeyDown={moveFocus}>
      {buttons.map((button, index) => (
        <button
          key={button.key}
          ref={(element) => {
            buttonRefs.current[index] = element;
          }}
          type="button"
          className={styles.toolButton}
          aria-label={button.label}
          aria-pressed={button.isOn}
          aria-keyshortcuts={button.keys ?? undefined}
          title={button.shortcut ? `${button.label} (${button.shortcut})` : button.label}
          tabIndex={index === focusIndex ? 0 : -1}
          disabled={disabled}
          onFocus={() => setFocusIndex(index)}
          // Keep the editor's selection: the button acts on it.
          onMouseDown={(event) => event.preventDefault()}
          onClick={button.run}
        >
          {button.icon}
        </button>
      ))}
    </div>
  );
}

// ---- icons (decorative; the buttons carry the names) ----

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg width={16} height={16} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2.2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

function BoldIcon() {
  return (
    <Icon>
      <path d="M7 5h6a3.5 3.5 0 0 1 0 7H7zM7 12h7a3.5 3.5 0 0 1 0 7H7z" />
    </Icon>
  );
}

function ItalicIcon() {
  return (
    <Icon>
      <path d="M19 5h-8M13 19H5M15 5 9 19" />
    </Icon>
  );
}

function CodeIcon() {
  return (
    <Icon>
      <path d="m8 7-5 5 5 5M16 7l5 5-5 5" />
    </Icon>
  );
}

function LinkIcon() {
  return (
    <Icon>
      <path d="M10 14a4.5 4.5 0 0 0 6.4 0l3-3a4.5 4.5 0 0 0-6.4-6.4l-1 1" />
      <path d="M14 10a4.5 4.5 0 0 0-6.4 0l-3 3a4.5 4.5 0 0 0 6.4 6.4l1-1" />
    </Icon>
  );
}

function BulletListIcon() {
  return (
    <Icon>
      <path d="M10 6h10M10 12h10M10 18h10" />
      <circle cx="4.5" cy="6" r="1" fill="currentColor" />
      <circle cx="4.5" cy="12" r="1" fill="currentColor" />
      <circle cx="4.5" cy="18" r="1" fill="currentColor" />
    </Icon>
  );
}

export function NumberedListIcon() {
  return (
    <Icon>
      <path d="M10 6h10M10 12h10M10 18h10M4 4.5h1.5V9M3.5 9h3M3.5 14.5a1.5 1.5 0 0 1 3 .5c0 1-3 2.5-3 4h3" />
    </Icon>
  );
}

function CodeBlockIcon() {
  return (
    <Icon>
      <rect x="3" y="4" width="18" height="16" rx="2.5" />
      <path d="m9.5 10-2.5 2 2.5 2M14.5 10l2.5 2-2.5 2" />
    </Icon>
  );
}
