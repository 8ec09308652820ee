/**
 * Shows a comment body with React elements only: no HTML string is ever
 * parsed or injected here, so whatever a comment says stays text. Links are
 * re-checked at render (bodies from storage or the review room are trusted no
 * more than new ones) and open in a new tab without a referrer or opener.
 */
import { Fragment, type ReactNode } from 'react';
import {
  isCommentLinkUrl,
  TEXT_FORMAT,
  type Block,
  type CommentBody,
  type Inline,
  type ListBlock,
  type MentionInline,
  type TextInline,
} from '../../../../lib/review/body';
import styles from './comment-body.module.css';

export interface CommentBodyViewProps {
  body: CommentBody;
  /** The signed-in person: mentions of them stand out. */
  viewerId?: string | null;
}

export function CommentBodyView({ body, viewerId = null }: CommentBodyViewProps) {
  return <div className={styles.body}>{body.blocks.map((block, index) => renderBlock(block, index, viewerId))}</div>;
}

function renderBlock(block: Block, key: number, viewerId: string | null): ReactNode {
  switch (block.t) {
    case 'p':
      return <p key={key}>{renderInlines(block.children, viewerId)}</p>;
    case 'quote':
      return (
        <blockquote key={key} className={styles.quote}>
          {renderInlines(block.children, viewerId)}
        </blockquote>
      );
    case 'code':
      return (
        // Focusable so keyboard users can scroll a long line sideways.
        <pre key={key} className={styles.codeBlock} tabIndex={0} data-lang={block.lang || undefined}>
          <code>{block.text}</code>
        </pre>
      );
    case 'list':
      return renderList(block, key, viewerId);
  }
}

function renderList(list: ListBlock, key: number, viewerId: string | null): ReactNode {
  const items = list.items.map((item, index) => (
    <li key={index}>
      {renderInlines(item.children, viewerId)}
      {item.list ? renderList(item.list, 0, viewerId) : null}
    </li>
  ));
  return list.ordered ? (
    <ol key={key} className={styles.list}>
      {items}
    </ol>
  ) : (
    <ul key={key} className={styles.list}>
      {items}
    </ul>
  );
}

function renderInlines(inlines: Inline[], viewerId: string | null): ReactNode[] {
  return inlines.map((inline, index) => renderInline(inline, index, viewerId));
}

function renderInline(inline: Inline, key: number, viewerId: string | null): ReactNode {
  switch (inline.t) {
    case 'text':
      return renderText(inline, key);
    case 'br':
      return <br key={key} />;
    case 'mention':
      return renderMention(inline, key, viewerId);
    case 'link': {
      const label = inline.children.map((child, index) => renderText(child, index));
      if (!isCommentLinkUrl(inline.url)) return <span key={key}>{label}</span>;
      return (
        <a key={key} className={styles.link} href={inline.url} target="_blank" rel="noopener noreferrer nofollow ugc">
          {label}
        </a>
      );
    }
  }
}

/** Formats nest from the outside in: strike, bold, italic, then code closest to the text. */
function renderText(text: TextInline, key: number): ReactNode {
  const format = text.f ?? 0;
  let node: ReactNode = text.text;
  if (format & TEXT_FORMAT.code) node = <code className={styles.inlineCode}>{node}</code>;
  if (format & TEXT_FORMAT.italic) node = <em>{node}</em>;
  if (format & TEXT_FORMAT.bold) node = <strong>{node}</strong>;
  if (format & TEXT_FORMAT.strikethrough) node = <s>{node}</s>;
  return <Fragment key={key}>{node}</Fragment>;
}

function renderMention(mention: MentionInline, key: number, viewerId: string | null): ReactNode {
  const isViewer = mention.kind === 'user' && viewerId !== null && mention.id === viewerId;
  return (
    <span
      key={key}
      className={styles.mention}
      data-kind={mention.kind}
      data-self={isViewer ? '' : undefined}
      title={isViewer ? 'You were mentioned' : undefined}
    >
      @{mention.name}
    </span>
  );
}
