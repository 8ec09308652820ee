'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { isApiError } from '../../../../lib/query/api-client';
import { artifactQueryOptions } from '../../../../lib/query/artifacts';
import { meQueryOptions } from '../../../../lib/query/me';
import { versionContentQueryOptions, versionListQueryOptions, type Version } from '../../../../lib/query/versions';
import { LoadError } from '../../../_components/form-error';
import { ArtifactNotFoundPanel } from '../../../_components/not-found-panel';
import { VersionFrame, type FrameMetrics, type VersionFrameHandle } from '../_live/versions-frame';
import { VersionsHeader } from '../_live/versions-header';
import notFoundStyles from '../../../_components/not-found-panel.module.css';
import { markChanges } from './mark-changes';
import { SourceDiff } from './source-diff';
import { useLineDiff } from './use-line-diff';
import styles from './compare-view.module.css';

export type CompareMode = 'source' | 'rendered';

interface CompareViewProps {
  artifactId: string;
  initialFrom: number | null;
  initialTo: number | null;
  initialMode: CompareMode;
}

function optionLabel(version: Version): string {
  const kind = version.kind === 'restore' ? `restored from v${version.restoredFrom ?? '?'}` : version.kind;
  const message = version.message.length > 48 ? `${version.message.slice(0, 47)}…` : version.message;
  return `v${version.n} · ${message || kind}`;
}

/**
 * Two versions of the artifact: "Source", a line diff with word highlights
 * and folded unchanged runs; "Rendered", both pages side by side in sandboxed
 * frames that scroll together, with the changed blocks outlined.
 */
export function CompareView({ artifactId, initialFrom, initialTo, initialMode }: CompareViewProps) {
  const me = useQuery(meQueryOptions());
  const artifact = useQuery(artifactQueryOptions(artifactId));
  const list = useQuery(versionListQueryOptions(artifactId));
  const versions = useMemo(() => list.data ?? [], [list.data]);
  const latest = versions[0]?.n ?? null;
  const [picked, setPicked] = useState({ from: initialFrom, to: initialTo, mode: initialMode });
  // Missing ends default to "the latest against the one before it".
  const to = picked.to ?? latest;
  const from = picked.from ?? (to !== null && to > 1 ? to - 1 : to);
  const mode = picked.mode;
  const fromVersion = versions.find((v) => v.n === from);
  const toVersion = versions.find((v) => v.n === to);
  const fromContent = useQuery({ ...versionContentQueryOptions(artifactId, from ?? 0), enabled: fromVersion !== undefined });
  const toContent = useQuery({ ...versionContentQueryOptions(artifactId, to ?? 0), enabled: toVersion !== undefined });
  const title = artifact.data?.title ?? '';

  const update = (next: Partial<typeof picked>) => {
    const merged = { from, to, mode, ...next };
    setPicked(merged);
    const params = new URLSearchParams();
    if (merged.from !== null) params.set('from', String(merged.from));
    if (merged.to !== null) params.set('to', String(merged.to));
    if (merged.mode === 'rendered') params.set('mode', 'rendered');
    window.history.replaceState(window.history.state, '', `/a/${artifactId}/compare?${params.toString()}`);
  };

  useEffect(() => {
    document.title = from !== null && to !== null ? `v${from} → v${to}${title ? ` · ${title}` : ''} · Loupe` : 'Compare versions · Loupe';
  }, [from, to, title]);

  const fromText = fromContent.data ?? null;
  const toText = toContent.data ?? null;
  const line = useLineDiff(mode === 'source' ? fromText : null, mode === 'source' ? toText : null, `${from}:${to}`);

  if (isApiError(artifact.error) && artifact.error.status === 404) {
    return (
      <div className={styles.view}>
        <VersionsHeader artifactId={artifactId} title="" context="" />
        <main id="main" tabIndex={-1}>
          <ArtifactNotFoundPanel />
        </main>
      </div>
    );
  }

  const missing = list.isSuccess ? [from, to].filter((n) => n === null || !versions.some((v) => v.n === n)) : [];
  const context = [artifact.data?.project, artifact.data?.session].filter(Boolean).join(' · ');

  return (
    <div className={styles.view}>
      <VersionsHeader artifactId={artifactId} title={title} context={context} />
      <div className={styles.toolbar}>
        <div className={styles.pickers}>
          <VersionPicker label="From" value={from} versions={versions} onChange={(n) => update({ from: n })} />
          <button
            type="button"
            className={`button button-ghost ${styles.swap}`}
            onClick={() => update({ from: to, to: from })}
            aria-label="Swap from and to"
            title="Swap"
            disabled={from === null || to === null}
          >
            ⇄
          </button>
          <VersionPicker label="To" value={to} versions={versions} onChange={(n) => update({ to: n })} />
        </div>
        <ModeTabs mode={mode} onChange={(next) => update({ mode: next })} />
        <Link href={`/a/${artifactId}`} className={`button button-ghost ${styles.backLive}`}>
          Back to live
        </Link>
      </div>
      {list.isError ? (
        <div className={styles.notice}>
          <LoadError what="the versions" error={list.error} onRetry={() => void list.refetch()} />
        </div>
      ) : null}
      {list.isSuccess && missing.length > 0 ? (
        <main id="main" tabIndex={-1}>
          <section className={notFoundStyles.panel} aria-labelledby="compare-missing-title" data-testid="version-not-found">
            <p className={notFoundStyles.code} aria-hidden="true">
              404
            </p>
            <h1 id="compare-missing-title">{latest === null ? 'No versions yet' : 'Version not found'}</h1>
            <p className={notFoundStyles.message}>
              {latest === null
                ? 'Nothing to compare: this artifact has no versions yet.'
                : `This artifact has versions v1 to v${latest}. Pick two of them above.`}
            </p>
            <Link href={`/a/${artifactId}`} className="button button-primary">
              Back to live
            </Link>
          </section>
        </main>
      ) : (
        <main id="main" tabIndex={-1} className={styles.stage} role="tabpanel" aria-labelledby={`compare-tab-${mode}`}>
          {fromContent.isError || toContent.isError ? (
            <div className={styles.notice}>
              <LoadError
                what="a version"
                error={(fromContent.error ?? toContent.error) as Error}
                onRetry={() => {
                  void fromContent.refetch();
                  void toContent.refetch();
                }}
              />
            </div>
          ) : mode === 'source' ? (
            <SourceDiff
              key={`${from}:${to}`}
              fromN={from}
              toN={to}
              fromText={fromText}
              toText={toText}
              diff={line.diff}
              pending={line.pending || fromText === null || toText === null}
              error={line.error}
            />
          ) : me.data ? (
            <RenderedCompare sandboxOrigin={me.data.sandboxOrigin} from={fromVersion} to={toVersion} fromText={fromText} toText={toText} title={title} />
          ) : null}
        </main>
      )}
    </div>
  );
}

function VersionPicker({ label, value, versions, onChange }: { label: string; value: number | null; versions: Version[]; onChange(n: number): void }) {
  const id = useId();
  return (
    <div className={styles.picker}>
      <label htmlFor={id} className={styles.pickerLabel}>
        {label}
      </label>
      <select id={id} className={`input ${styles.select}`} value={value ?? ''} onChange={(event) => onChange(Number(event.target.value))} disabled={versions.length === 0}>
        {value !== null && !versions.some((v) => v.n === value) ? <option value={value}>v{value}</option> : null}
        {versions.map((version) => (
          <option key={version.n} value={version.n}>
            {optionLabel(version)}
          </option>
        ))}
      </select>
    </div>
  );
}

const MODES: Array<{ mode: CompareMode; label: string }> = [
  { mode: 'source', label: 'Source' },
  { mode: 'rendered', label: 'Rendered' },
];

/** Two tabs, with arrow keys between them (the WAI tabs pattern, automatic activation). */
function ModeTabs({ mode, onChange }: { mode: CompareMode; onChange(mode: CompareMode): void }) {
  const refs = useRef<Array<HTMLButtonElement | null>>([]);
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    const target = event.key === 'Home' ? 0 : event.key === 'End' ? MODES.length - 1 : step ? (index + step + MODES.length) % MODES.length : -1;
    if (target < 0) return;
    event.preventDefault();
    onChange(MODES[target].mode);
    refs.current[target]?.focus();
  };
  return (
    <div className={styles.tabs} role="tablist" aria-label="Compare as">
      {MODES.map((item, index) => (
        <button
          key={item.mode}
          ref={(element) => {
            refs.current[index] = element;
          }}
          id={`compare-tab-${item.mode}`}
          type="button"
          role="tab"
          aria-selected={mode === item.mode}
          tabIndex={mode === item.mode ? 0 : -1}
          className={styles.tab}
          onClick={() => onChange(item.mode)}
          onKeyDown={(event) => onKeyDown(event, index)}
        >
          {item.label}
        </button>
      ))}
    </div>
  );
}

interface RenderedCompareProps {
  sandboxOrigin: string;
  from: Version | undefined;
  to: Version | undefined;
  fromText: string | null;
  toText: string | null;
  title: string;
}

/** Both pages, side by side, their changed blocks outlined; scrolling one scrolls the other to the same share of its height. */
function RenderedCompare({ sandboxOrigin, from, to, fromText, toText, title }: RenderedCompareProps) {
  const marked = useMemo(() => (fromText !== null && toText !== null ? markChanges(fromText, toText) : null), [fromText, toText]);
  const [together, setTogether] = useState(true);
  const togetherRef = useRef(together);
  togetherRef.current = together;
  const frames = useRef<[VersionFrameHandle | null, VersionFrameHandle | null]>([null, null]);
  const metrics = useRef<[FrameMetrics | null, FrameMetrics | null]>([null, null]);
  /** Where we last told each frame to scroll: its echo is not a reader's scroll. */
  const expected = useRef<[number | null, number | null]>([null, null]);

  const onMetrics = (side: 0 | 1) => (next: FrameMetrics, cause: 'rendered' | 'scroll') => {
    metrics.current[side] = next;
    if (cause !== 'scroll' || !togetherRef.current) return;
    const echo = expected.current[side];
    if (echo !== null && Math.abs(echo - next.scrollY) <= 2) {
      expected.current[side] = null;
      return;
    }
    expected.current[side] = null;
    const other = side === 0 ? 1 : 0;
    const them = metrics.current[other];
    const range = next.scrollHeight - next.viewportHeight;
    if (!them) return;
    const ratio = range > 0 ? next.scrollY / range : 0;
    const y = Math.round(ratio * Math.max(0, them.scrollHeight - them.viewportHeight));
    if (Math.abs(y - them.scrollY) <= 1) return;
    expected.current[other] = y;
    frames.current[other]?.scrollTo(y);
  };
  const onFrom = useMemo(() => onMetrics(0), []);
  const onTo = useMemo(() => onMetrics(1), []);

  const pane = (side: 0 | 1, version: Version | undefined, html: string | null, count: number | null) => (
    <section className={styles.pane} aria-label={version ? `v${version.n}` : undefined} data-testid={side === 0 ? 'rendered-from' : 'rendered-to'}>
      <div className={styles.paneHead}>
        <strong>{version ? `v${version.n}` : '…'}</strong>
        <span className={styles.paneMessage}>{version?.message}</span>
        {count !== null && count > 0 ? (
          <span className={`chip ${styles.changedChip}`} data-side={side === 0 ? 'from' : 'to'}>
            {count} {count === 1 ? 'block' : 'blocks'} {side === 0 ? 'changed or removed' : 'changed or added'}
          </span>
        ) : null}
      </div>
      <div className={styles.paneFrame}>
        <VersionFrame
          sandboxOrigin={sandboxOrigin}
          html={html}
          title={`${title ? `Artifact: ${title}` : 'Artifact'}, v${version?.n ?? ''}`}
          onMetrics={side === 0 ? onFrom : onTo}
          handle={(handle) => {
            frames.current[side] = handle;
          }}
        />
        {html === null ? (
          <div className={styles.overlay} aria-hidden="true">
            <span className="spinner" /> Loading…
          </div>
        ) : null}
      </div>
    </section>
  );

  return (
    <div className={styles.rendered}>
      <div className={styles.renderedBar}>
        <label className={styles.together}>
          <input type="checkbox" checked={together} onChange={(event) => setTogether(event.target.checked)} />
          Scroll together
        </label>
        <span className={styles.legend} aria-hidden="true">
          <span className={styles.swatch} data-tone="changed" /> changed
          <span className={styles.swatch} data-tone="added" /> added
          <span className={styles.swatch} data-tone="removed" /> removed
        </span>
        {marked && marked.fromCount + marked.toCount === 0 ? <span className={styles.same}>No differences in the page body.</span> : null}
      </div>
      <div className={styles.panes}>
        {pane(0, from, marked?.from ?? null, marked?.fromCount ?? null)}
        {pane(1, to, marked?.to ?? null, marked?.toCount ?? null)}
      </div>
    </div>
  );
}
