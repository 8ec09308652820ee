'use client';

/**
 * The composer's @mention typeahead: typing "@" and the start of a name or
 * email lists who may be mentioned here; arrow keys move, Enter or Tab picks,
 * Escape closes. The pick becomes a MentionNode (one token, shown as a chip).
 */
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { LexicalTypeaheadMenuPlugin, MenuOption, type MenuTextMatch } from '@lexical/react/LexicalTypeaheadMenuPlugin';
import { $createTextNode, $insertNodes, $isTextNode, type TextNode } from 'lexical';
import { useCallback, useMemo, useState } from 'react';
import { createPortal } from 'react-dom';
import type { MentionableView } from '../../../../lib/review/types';
import { initialsOf } from '../../../../lib/ui/format';
import { $createMentionNode, type MentionTarget } from './mention-node';
import styles from './composer.module.css';

/** How many people the menu lists at once. */
const MAX_OPTIONS = 8;
/** The longest query the menu follows (a full name with one space). */
const MAX_QUERY_CHARS = 40;
/** "@" at the start or after whitespace or an opening bracket, then up to two words. */
const TRIGGER = new RegExp(`(^|[\\s(\\[{"'])(@((?:[^\\s@]{0,${MAX_QUERY_CHARS}})(?: [^\\s@]{0,${MAX_QUERY_CHARS}})?))$`);

/** The artifact's agent is always called "Agent" in a mention, whatever its token is named. */
export const AGENT_MENTION_NAME = 'Agent';

class MentionOption extends MenuOption {
  readonly target: MentionTarget;
  readonly detail: string | null;

  constructor(mentionable: MentionableView) {
    super(`${mentionable.kind}:${mentionable.id}`);
    const isAgent = mentionable.kind === 'agent';
    this.target = { kind: mentionable.kind, id: mentionable.id, name: isAgent ? AGENT_MENTION_NAME : mentionable.name };
    this.detail = isAgent
      ? mentionable.name !== AGENT_MENTION_NAME
        ? `${mentionable.name} · this artifact’s agent`
        : 'This artifact’s agent'
      : mentionable.email;
  }
}

/**
 * The text node holding exactly "@query" before the caret. Lexical splits off
 * the query by the length it last rendered, which lags a keystroke behind fast
 * typing (the piece is then "d" of "@ad", or takes in text before the "@"):
 * look at the split piece and the text before it, and cut at the real "@".
 */
export function $queryNodeAtCaret(split: TextNode): TextNode {
  const previous = split.getPreviousSibling();
  const before = $isTextNode(previous) && previous.isSimpleText() ? previous : null;
  const beforeText = before?.getTextContent() ?? '';
  const match = matchTrigger(beforeText + split.getTextContent());
  if (!match) return split;
  if (match.leadOffset >= beforeText.length) {
    const offset = match.leadOffset - beforeText.length;
    return offset === 0 ? split : split.splitText(offset)[1];
  }
  if (before) {
    const tail = match.leadOffset === 0 ? before : before.splitText(match.leadOffset)[1];
    tail.remove();
  }
  return split;
}

function matchTrigger(text: string): MenuTextMatch | null {
  const match = TRIGGER.exec(text);
  if (!match) return null;
  return { leadOffset: match.index + match[1].length, matchingString: match[3], replaceableString: match[2] };
}

/** A name or email that starts with the query, or a name with a word that does. */
export function matchesMentionQuery(mentionable: MentionableView, query: string): boolean {
  const wanted = query.trim().toLowerCase();
  if (wanted === '') return true;
  const names = mentionable.kind === 'agent' ? [mentionable.name, AGENT_MENTION_NAME] : [mentionable.name];
  return (
    names.some((name) => {
      const lower = name.toLowerCase();
      return lower.startsWith(wanted) || lower.split(/\s+/).some((word) => word.startsWith(wanted));
    }) || (mentionable.email?.toLowerCase().startsWith(wanted) ?? false)
  );
}

export function MentionsPlugin({ mentionables }: { mentionables: MentionableView[] }) {
  const [editor] = useLexicalComposerContext();
  const [query, setQuery] = useState<string | null>(null);

  const options = useMemo(() => {
    if (query === null) return [];
    return mentionables
      .filter((mentionable) => matchesMentionQuery(mentionable, query))
      .slice(0, MAX_OPTIONS)
      .map((mentionable) => new MentionOption(mentionable));
  }, [mentionables, query]);

  const onSelectOption = useCallback(
    (option: MentionOption, nodeToReplace: TextNode | null, closeMenu: () => void) => {
      editor.update(() => {
        const mention = $createMentionNode(option.target);
        if (nodeToReplace) $queryNodeAtCaret(nodeToReplace).replace(mention);
        else $insertNodes([mention]);
        // A space after the chip, so the next word does not run into it.
        const space = $createTextNode(' ');
        mention.insertAfter(space);
        space.select(1, 1);
        closeMenu();
      });
    },
    [editor],
  );

  if (mentionables.length === 0) return null;

  return (
    <LexicalTypeaheadMenuPlugin<MentionOption>
      onQueryChange={setQuery}
      onSelectOption={onSelectOption}
      triggerFn={matchTrigger}
      options={options}
      anchorClassName={styles.mentionAnchor}
      menuRenderFn={(anchorElementRef, { selectedIndex, selectOptionAndCleanUp, setHighlightedIndex }) => {
        if (!anchorElementRef.current || options.length === 0) return null;
        return createPortal(
          <div className={styles.mentionMenu}>
            <ul role="presentation" className={styles.mentionList}>
              {options.map((option, index) => (
                <li
                  key={option.key}
                  id={`typeahead-item-${index}`}
                  ref={option.setRefElement}
                  role="option"
                  aria-selected={selectedIndex === index}
                  className={styles.mentionOption}
                  tabIndex={-1}
                  onMouseEnter={() => setHighlightedIndex(index)}
                  // Keep the caret in the editor while the pointer picks.
                  onMouseDown={(event) => event.preventDefault()}
                  onClick={() => {
                    setHighlightedIndex(index);
                    selectOptionAndCleanUp(option);
                  }}
                >
                  <span className={styles.mentionAvatar} data-kind={option.target.kind} aria-hidden="true">
                    {initialsOf(option.target.name)}
                  </span>
                  <span className={styles.mentionText}>
                    <span className={styles.mentionName}>{option.target.name}</span>
                    {option.detail ? <span className={styles.mentionDetail}>{option.detail}</span> : null}
                  </span>
                </li>
              ))}
            </ul>
          </div>,
          anchorElementRef.current,
        );
      }}
    />
  );
}
