/**
 * A mention in the composer: `@Name` as one token (the caret never lands
 * inside it and Backspace removes it whole) that remembers who it is.
 * Serialized as the text node's JSON plus `kind`, `id` and `name`.
 */
import {
  $applyNodeReplacement,
  $getState,
  $setState,
  createState,
  TextNode,
  type EditorConfig,
  type LexicalNode,
} from 'lexical';
import type { MentionKind } from '../../../../lib/review/body';

export interface MentionTarget {
  kind: MentionKind;
  id: string;
  name: string;
}

const kindState = createState('kind', { parse: (value): MentionKind => (value === 'agent' ? 'agent' : 'user') });
const idState = createState('id', { parse: (value) => (typeof value === 'string' ? value : '') });
const nameState = createState('name', { parse: (value) => (typeof value === 'string' ? value : '') });

export class MentionNode extends TextNode {
  override $config() {
    return this.config('loupe-mention', {
      extends: TextNode,
      stateConfigs: [
        { stateConfig: kindState, flat: true },
        { stateConfig: idState, flat: true },
        { stateConfig: nameState, flat: true },
      ],
    });
  }

  getMention(): MentionTarget {
    return { kind: $getState(this, kindState), id: $getState(this, idState), name: $getState(this, nameState) };
  }

  override createDOM(config: EditorConfig): HTMLElement {
    const dom = super.createDOM(config);
    const className: unknown = config.theme.mention;
    if (typeof className === 'string') dom.classList.add(...className.split(' ').filter(Boolean));
    dom.dataset.mentionKind = $getState(this, kindState);
    dom.spellcheck = false;
    return dom;
  }

  /** Typing right before or after a mention starts a new text node, never extends the token. */
  override canInsertTextBefore(): boolean {
    return false;
  }

  override canInsertTextAfter(): boolean {
    return false;
  }

  override isTextEntity(): true {
    return true;
  }
}

export function $createMentionNode(target: MentionTarget): MentionNode {
  const node = new MentionNode(`@${target.name}`);
  $setState(node, kindState, target.kind);
  $setState(node, idState, target.id);
  $setState(node, nameState, target.name);
  node.setMode('token');
  return $applyNodeReplacement(node);
}

export function $isMentionNode(node: LexicalNode | null | undefined): node is MentionNode {
  return node instanceof MentionNode;
}
