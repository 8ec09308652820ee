import { explainClose } from './close-reasons';
import type { ConnectionStatus } from './use-connection-status';
import styles from './live-status.module.css';

type Tone = 'live' | 'updating' | 'pending' | 'warning' | 'error';

/** `text` is shown; `detail` goes in the tooltip and to screen readers. */
function describe(status: ConnectionStatus, isUpdating: boolean): { tone: Tone; text: string; detail: string } {
  switch (status.phase) {
    case 'connecting':
      return { tone: 'pending', text: 'Connecting…', detail: 'Connecting to the live page…' };
    case 'live':
      return isUpdating
        ? { tone: 'updating', text: 'Updating…', detail: 'Updating: changes are arriving.' }
        : { tone: 'live', text: 'Live', detail: 'Live: changes appear as they are made.' };
    case 'reconnecting': {
      const reason = status.code !== null ? explainClose(status.code) : null;
      return { tone: 'warning', text: 'Reconnecting…', detail: reason && !reason.isFinal ? reason.message : 'Connection lost. Reconnecting…' };
    }
    case 'closed': {
      const reason = explainClose(status.code);
      return { tone: 'error', text: reason?.label ?? 'Disconnected', detail: reason?.message ?? `The live connection closed (code ${status.code}).` };
    }
  }
}

/** The connection's state in words and a dot; announced politely to screen readers. */
export function LiveStatus({ status, isUpdating }: { status: ConnectionStatus; isUpdating: boolean }) {
  const { tone, text, detail } = describe(status, isUpdating);
  return (
    <p className={styles.status} data-tone={tone} role="status" aria-live="polite" aria-atomic="true" title={detail}>
      <span className={styles.dot} aria-hidden="true" />
      <span className={styles.text} aria-hidden="true">
        {text}
      </span>
      <span className="visually-hidden">{detail}</span>
    </p>
  );
}
