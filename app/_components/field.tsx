import { useId, type ReactNode } from 'react';
import styles from './field.module.css';

/** What a field hands its control: the id its label points at, and the hint and error it is described by. */
export interface FieldControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

interface FieldProps {
  label: ReactNode;
  /** Marks the label "(optional)". */
  optional?: boolean;
  /** Help under the control, or beside it with `hintInline` (a number and its unit). */
  hint?: ReactNode;
  hintInline?: boolean;
  /** When set, the control is invalid and described by this message. */
  error?: ReactNode;
  /** A fixed id for the control (e.g. a form other code addresses by id); one is made otherwise. */
  id?: string;
  /** Ids of other elements that also describe the control (a hint shared by several fields, a form-level error). */
  describedBy?: string;
  className?: string;
  /** A dense row of fields (filters): tighter, with quieter labels. */
  compact?: boolean;
  /** Shown after the error, inside the field (e.g. a live character count, which the caller names in describedBy). */
  after?: ReactNode;
  children(control: FieldControlProps): ReactNode;
}

/**
 * A form field: label, control, hint and error, wired for assistive technology
 * (the label names the control; the hint and the error describe it; an error
 * marks it invalid). The control itself is the caller's, so inputs, selects and
 * textareas keep their own props.
 */
export function Field({ label, optional, hint, hintInline, error, id, describedBy, className, compact, after, children }: FieldProps) {
  const madeId = useId();
  const controlId = id ?? madeId;
  const hintId = `${controlId}-hint`;
  const errorId = `${controlId}-error`;
  const hasHint = hint !== undefined && hint !== null && hint !== false;
  const hasError = error !== undefined && error !== null && error !== false;
  const described = [describedBy, hasHint ? hintId : null, hasError ? errorId : null].filter(Boolean).join(' ');
  const control = children({
    id: controlId,
    ...(described ? { 'aria-describedby': described } : {}),
    ...(hasError ? { 'aria-invalid': true as const } : {}),
  });
  const hintElement = hasHint ? (
    <span id={hintId} className={styles.hint}>
      {hint}
    </span>
  ) : null;
  return (
    <div className={[styles.field, compact ? styles.compact : null, className].filter(Boolean).join(' ')}>
      <label htmlFor={controlId} className={styles.label}>
        {label}
        {optional ? <span className={styles.optional}> (optional)</span> : null}
      </label>
      {hintInline ? (
        <div className={styles.inline}>
          {control}
          {hintElement}
        </div>
      ) : (
        <>
          {control}
          {hintElement}
        </>
      )}
      {hasError ? (
        <p id={errorId} className={styles.error}>
          {error}
        </p>
      ) : null}
      {after}
    </div>
  );
}
