/** The composer's input rules that do not need a browser: link addresses and who "@…" finds. */
import { $createParagraphNode, $createTextNode, $getRoot, createEditor } from 'lexical';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Composer } from '../../app/a/[id]/_review/composer';
import { $queryNodeAtCaret, matchesMentionQuery } from '../../app/a/[id]/_review/composer-mentions';
import { COMMENT_EDITOR_NODES } from '../../app/a/[id]/_review/lexical-body';
import { $createMentionNode } from '../../app/a/[id]/_review/mention-node';
import { normalizeLinkInput } from '../../app/a/[id]/_review/composer-toolbar';
import type { MentionableView } from '../../lib/review/types';

describe('normalizeLinkInput', () => {
  it.each([
    ['https://example.com/a?b=1', 'https://example.com/a?b=1'],
    ['  http://example.com  ', 'http://example.com'],
    ['example.com/docs', 'https://example.com/docs'],
    ['ada@example.com', 'mailto:ada@example.com'],
    ['mailto:ada@example.com', 'mailto:ada@example.com'],
  ])('%j becomes %j', (input, url) => {
    expect(normalizeLinkInput(input)).toBe(url);
  });

  it.each([[''], ['   '], ['javascript:alert(1)'], ['JAVASCRIPT:alert(1)'], ['data:text/html,x'], ['vbscript:x'], ['file:///etc/passwd'], ['two words']])(
    'refuses %j',
    (input) => {
      expect(normalizeLinkInput(input)).toBeNull();
    },
  );
});

describe('matchesMentionQuery', () => {
  const ada: MentionableView = { kind: 'user', id: 'u1', name: 'Ada Lovelace', email: 'countess@example.com' };
  const agent: MentionableView = { kind: 'agent', id: 'agent', name: 'claude-ci', email: null };

  it('matches a name, any word of it, or an email, by prefix and case-insensitively', () => {
    for (const query of ['', 'a', 'ADA', 'love', 'ada lo', 'count']) expect(matchesMentionQuery(ada, query)).toBe(true);
    for (const query of ['da', 'lace', 'example', 'x']) expect(matchesMentionQuery(ada, query)).toBe(false);
  });

  it('finds the agent as "Agent" and by its token name', () => {
    expect(matchesMentionQuery(agent, 'age')).toBe(true);
    expect(matchesMentionQuery(agent, 'claude')).toBe(true);
    expect(matchesMentionQuery(agent, 'ada')).toBe(false);
  });
});

describe('Composer on the server', () => {
  it('renders a placeholder shell; the editor mounts in the browser', () => {
    const html = renderToStaticMarkup(
      createElement(Composer, {
        mentionables: [],
        placeholder: 'Reply…',
        submitLabel: 'Reply',
        ariaLabel: 'Reply to thread 1',
        testId: 'reply-composer',
        onSubmit: async () => {},
      }),
    );
    expect(html).toMatch(/^<div class="[^"]*" data-testid="reply-composer"><div class="[^"]*" aria-hidden="true"><\/div><\/div>$/);
  });
});

describe('$queryNodeAtCaret: the "@query" a picked mention replaces', () => {
  /** Types `text` as one text node, splits off what the menu thought the query was, and replaces the corrected piece. */
  function pick(text: string, staleQueryLength: number): string {
    const editor = createEditor({ namespace: 't', nodes: [...COMMENT_EDITOR_NODES], onError: (error) => { throw error; } });
    let result = '';
    editor.update(
      () => {
        const node = $createTextNode(text);
        $getRoot().clear().append($createParagraphNode().append(node));
        const split = node.splitText(text.length - staleQueryLength)[1];
        $queryNodeAtCaret(split).replace($createMentionNode({ kind: 'user', id: 'u', name: 'Ada' }));
        result = $getRoot().getTextContent();
      },
      { discrete: true },
    );
    return result;
  }

  it('is the split piece when the menu kept up', () => {
    expect(pick('Hi @ad', 3)).toBe('Hi @Ada');
  });

  it('reaches back to the "@" when the menu was a keystroke behind', () => {
    expect(pick('Hi @ad', 1)).toBe('Hi @Ada');
    expect(pick('@ad', 2)).toBe('@Ada');
  });

  it('leaves the text before the "@" when the menu thought the query was longer', () => {
    expect(pick('Hi @a', 4)).toBe('Hi @Ada');
  });
});
