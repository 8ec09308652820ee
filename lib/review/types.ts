/**
 * The review layer's wire contract: what the REST API returns and what the
 * server projects into the review room's Y.Doc (`/collab/<id>/review`).
 * Pure types and constants; imported by server, app and CLI alike.
 *
 * The review room's document is written by the server only (clients are
 * read-only there, apart from their presence). Its roots:
 * - `Y.Map('threads')`: thread id → `ThreadView` (plain JSON, replaced whole on change)
 * - `Y.Map('reviews')`: review id → `ReviewView`
 * - `Y.Map('summary')`: `'status'` → `ReviewSummary`
 * Shared notes are a separate document, `/collab/<id>/notes`, written by
 * reviewers directly (Lexical through @lexical/yjs, root `XmlText('root')`).
 */
import { MAX_PICK_NAME_LENGTH } from '../sandbox/limits';
import type { CommentBody } from './body';

export type { CommentBody } from './body';

/** Who did something: a person by account, an agent by its token. */
export interface ReviewActor {
  kind: 'user' | 'agent';
  /** User id, or the agent token's id. */
  id: string;
  name: string;
}

export const ANCHOR_KINDS = ['element', 'text'] as const;
export type AnchorKind = (typeof ANCHOR_KINDS)[number];

/**
 * Where a thread is pinned. `start`/`end` are base64 `Y.RelativePosition`s
 * into the content document's `Y.Text('html')` (the page source), covering the
 * element's outer HTML or the quoted text; null when the reviewer's pick could
 * not be mapped to the source (e.g. an element a script made), in which case
 * `selector` + `quote` + context are the whole anchor.
 */
export interface AnchorInput {
  kind: AnchorKind;
  start: string | null;
  end: string | null;
  /** Lower-case tag name of the element (for text anchors: the element holding the text). */
  tag: string;
  /** Index of the element among the page's elements with that tag, in document order, when it was picked. */
  ordinal: number;
  /** A CSS selector for the element, for the fallback. */
  selector: string;
  /** The element's text (trimmed, ≤ 500) or the selected text. */
  quote: string;
  /** Up to 64 characters of text before and after the quote. */
  prefix: string;
  suffix: string;
  /**
   * Where in the element the reviewer pointed, as fractions of its box
   * (0 = left / top, 1 = right / bottom; 4 decimals). The pin is drawn
   * there (a keyboard pick sends the centre). Absent on anchors written
   * before points: the pin sits at the element's top-left corner.
   */
  point?: AnchorPoint;
  /**
   * What was picked, in words a reviewer reads: "chart in Impact",
   * "“Latency rose after…” in Timeline", "image: Error rate by region"
   * (≤ 200 characters; lib/review/describe.ts). Absent on older anchors.
   */
  name?: string;
}

/** A point inside an element's box, as fractions of its width and height, each in [0, 1]. */
export interface AnchorPoint {
  x: number;
  y: number;
}

export interface AnchorView extends AnchorInput {
  /** The source the anchor covered when the thread was written (≤ 4,000 characters). */
  source: string;
  /** A 64-bit hash (16 hex digits, lib/review/anchor.ts hashSource) of the full source slice when written: "changed since" compares against it. */
  sourceHash: string;
}

/** Where an anchor stands on the current page (lib/review/anchor.ts decides). */
export type AnchorState = 'ok' | 'changed' | 'outdated';

export const REACTIONS = ['+1', '-1', 'laugh', 'hooray', 'confused', 'heart', 'rocket', 'eyes'] as const;
export type ReactionKey = (typeof REACTIONS)[number];
export const REACTION_EMOJI: Record<ReactionKey, string> = {
  '+1': '👍',
  '-1': '👎',
  laugh: '😄',
  hooray: '🎉',
  confused: '😕',
  heart: '❤️',
  rocket: '🚀',
  eyes: '👀',
};

export interface ReactionView {
  key: ReactionKey;
  by: Array<{ id: string; name: string }>;
}

export interface CommentView {
  id: string;
  threadId: string;
  author: ReviewActor;
  /** Empty paragraphs when deleted. */
  body: CommentBody;
  /** Plain text of the body (for agents, search and notifications). */
  text: string;
  createdAt: string;
  editedAt: string | null;
  /** How many earlier bodies the history holds (GET .../comments/:cid/history). */
  edits: number;
  deleted: boolean;
  reactions: ReactionView[];
  /** People (user ids) and `'agent'` mentioned in the body. */
  mentions: string[];
}

export type ThreadStatus = 'open' | 'resolved';

export interface ThreadView {
  id: string;
  artifactId: string;
  /** Null: a thread about the page as a whole. */
  anchor: AnchorView | null;
  /** The latest version when the thread was written (null if the page had none yet). */
  version: number | null;
  status: ThreadStatus;
  author: ReviewActor;
  createdAt: string;
  updatedAt: string;
  resolved: { by: ReviewActor; at: string } | null;
  /** The agent says a later version deals with this; a reviewer confirms by resolving. */
  addressed: { version: number; by: ReviewActor; at: string; note: string } | null;
  comments: CommentView[];
}

/** The agent's (and the API's) view: the anchor's state on the current page, computed by the server. */
export interface ThreadWithStateView extends ThreadView {
  anchorState: AnchorState | null;
  mentionsAgent: boolean;
}

export const VERDICTS = ['approve', 'request_changes', 'comment'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface ReviewView {
  id: string;
  artifactId: string;
  version: number;
  verdict: Verdict;
  summary: string;
  reviewer: ReviewActor;
  createdAt: string;
}

/**
 * The artifact's review state for its latest version. Each reviewer counts
 * by their latest approve / request-changes review (a plain comment changes
 * nothing). An approval counts only on the latest version: one given on an
 * earlier version is stale. A request for changes stands until that reviewer
 * approves.
 */
export interface ReviewSummary {
  latestVersion: number | null;
  requiredApprovals: number;
  approvals: Array<{ reviewer: ReviewActor; version: number; at: string }>;
  staleApprovals: Array<{ reviewer: ReviewActor; version: number; at: string }>;
  changesRequested: Array<{ reviewer: ReviewActor; version: number; at: string }>;
  /** 'approved': enough current approvals and no open request for changes. */
  state: 'approved' | 'changes_requested' | 'pending';
  readyForHandoff: boolean;
  openThreads: number;
}

export const NOTIFICATION_KINDS = ['mention', 'reply', 'status', 'addressed', 'resolved'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  artifactId: string;
  artifactTitle: string;
  threadId: string | null;
  commentId: string | null;
  actor: ReviewActor;
  /** A short plain-text excerpt (comment text, or the review's summary). */
  excerpt: string;
  /** For 'status': the verdict given; for 'addressed': the version. */
  verdict: Verdict | null;
  version: number | null;
  createdAt: string;
  readAt: string | null;
}

export interface MentionableView {
  kind: 'user' | 'agent';
  /** User id, or `'agent'` for the artifact's agent. */
  id: string;
  name: string;
  email: string | null;
}

/** Limits the API enforces (and the UI mirrors). */
export const REVIEW_LIMITS = {
  /** Plain-text characters in one comment body. */
  commentChars: 10_000,
  /** Serialized body JSON bytes. */
  bodyBytes: 64 * 1024,
  /** Nesting of lists inside a body. */
  listDepth: 4,
  mentionsPerComment: 20,
  quoteChars: 500,
  contextChars: 64,
  selectorChars: 1_000,
  /** An anchor's `name` ("chart in Impact"); the frame's bound, shared. */
  nameChars: MAX_PICK_NAME_LENGTH,
  summaryChars: 4_000,
  commentsPerThread: 500,
  threadsPerArtifact: 2_000,
} as const;

/** The review room's root names. */
export const REVIEW_DOC = { threads: 'threads', reviews: 'reviews', summary: 'summary' } as const;
