'use client';

import { useEffect, useRef } from 'react';
import { SearchIcon } from '../../_components/icons';
import styles from './search-box.module.css';

interface SearchBoxProps {
  value: string;
  onChange(value: string): void;
  isSearching: boolean;
}

/** The gallery's search field; "/" focuses it from anywhere on the page. */
export function SearchBox({ value, onChange, isSearching }: SearchBoxProps) {
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.metaKey || event.ctrlKey || event.altKey) return;
      const target = event.target;
      if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      event.preventDefault();
      inputRef.current?.focus();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <form role="search" className={styles.search} onSubmit={(event) => event.preventDefault()}>
      <label htmlFor="artifact-search" className="visually-hidden">
        Search artifacts
      </label>
      <SearchIcon size={17} className={styles.icon} />
      <input
        ref={inputRef}
        id="artifact-search"
        type="search"
        name="q"
        className={`input ${styles.input}`}
        placeholder="Search by title, project or session"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape' && value) {
            event.preventDefault();
            onChange('');
          }
        }}
        autoComplete="off"
        spellCheck={false}
        maxLength={200}
      />
      <kbd className={styles.shortcut} aria-hidden="true" hidden={value !== '' || isSearching}>
        /
      </kbd>
      {isSearching ? <span className={`spinner ${styles.spinner}`} aria-hidden="true" /> : null}
    </form>
  );
}
