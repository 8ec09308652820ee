'use client';

import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
  type FocusEvent,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import styles from './menu.module.css';

/**
 * A menu button (WAI-ARIA APG "menu button"): a button with
 * aria-haspopup="menu" that opens a role="menu" of actions. Opening moves
 * focus to the first item (ArrowUp on the button: the last); arrow keys,
 * Home, End and a typed letter move between items; Enter or Space chooses
 * one; Escape closes and puts focus back on the button; Tab closes and
 * moves on from the button; a click or focus elsewhere closes it.
 *
 * Choosing an item puts focus back on the button before the item's action
 * runs, so a dialog the action opens (a native modal <dialog>) hands focus
 * back to the button when it closes, even though the item is gone by then.
 */

interface MenuContextValue {
  /** Closes the menu; with `returnFocus`, focus goes back to its button. */
  close(returnFocus: boolean): void;
}

const MenuContext = createContext<MenuContextValue | null>(null);

function useMenu(): MenuContextValue {
  const menu = useContext(MenuContext);
  if (!menu) throw new Error('Menu items belong inside a <Menu>.');
  return menu;
}

const ITEM_SELECTOR = '[role="menuitem"], [role="menuitemcheckbox"], [role="menuitemradio"]';

interface MenuProps {
  /** The button's accessible name; the menu is named by the button. */
  label: string;
  /** What the button shows: an icon, maybe words. */
  button: ReactNode;
  /** The items: MenuItem, MenuItemCheckbox, MenuLink, MenuSeparator. */
  children: ReactNode;
  buttonClassName?: string;
  className?: string;
  title?: string;
  testId?: string;
}

export function Menu({ label, button, children, buttonClassName, className, title, testId }: MenuProps) {
  const [isOpen, setOpen] = useState(false);
  /** Which item takes focus when the menu opens. */
  const [startAt, setStartAt] = useState<'first' | 'last'>('first');
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const buttonId = useId();
  const menuId = useId();

  const close = useCallback((returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) buttonRef.current?.focus();
  }, []);

  const open = (at: 'first' | 'last') => {
    setStartAt(at);
    setOpen(true);
  };

  useEffect(() => {
    if (!isOpen) return;
    const items = itemsOf(menuRef.current);
    (startAt === 'last' ? items[items.length - 1] : items[0])?.focus();
    const onPointerDown = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) close(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [isOpen, startAt, close]);

  // Focus went elsewhere (a click into the page's frame, another window): the menu is done.
  const onBlur = (event: FocusEvent<HTMLDivElement>) => {
    if (isOpen && !event.currentTarget.contains(event.relatedTarget as Node | null)) close(false);
  };

  const onButtonKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      open(event.key === 'ArrowDown' ? 'first' : 'last');
    }
  };

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const items = itemsOf(event.currentTarget);
    const index = items.indexOf(document.activeElement as HTMLElement);
    const focusAt = (next: number) => items[(next + items.length) % items.length]?.focus();
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        return focusAt(index + 1);
      case 'ArrowUp':
        event.preventDefault();
        return focusAt(index < 0 ? -1 : index - 1);
      case 'Home':
        event.preventDefault();
        return focusAt(0);
      case 'End':
        event.preventDefault();
        return focusAt(-1);
      case 'Escape':
        // Ours: a panel or dialog behind the menu must not close on the same key.
        event.preventDefault();
        event.stopPropagation();
        return close(true);
      case 'Tab':
        // Focus moves on from the button, as if the menu had never opened.
        return close(true);
      case ' ':
        // Space chooses a link item too, as it does a button.
        if (event.target instanceof HTMLAnchorElement) {
          event.preventDefault();
          event.target.click();
        }
        return;
      default:
        if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
          const letter = event.key.toLowerCase();
          const order = [...items.slice(index + 1), ...items.slice(0, index + 1)];
          order.find((item) => item.textContent?.trim().toLowerCase().startsWith(letter))?.focus();
        }
    }
  };

  return (
    <div ref={rootRef} className={`${styles.root} ${className ?? ''}`} onBlur={onBlur}>
      <button
        ref={buttonRef}
        id={buttonId}
        type="button"
        className={buttonClassName}
        aria-label={label}
        title={title}
        aria-haspopup="menu"
        aria-expanded={isOpen}
        aria-controls={isOpen ? menuId : undefined}
        data-testid={testId}
        onClick={() => (isOpen ? close(false) : open('first'))}
        onKeyDown={onButtonKeyDown}
      >
        {button}
      </button>
      {isOpen ? (
        <MenuContext.Provider value={{ close }}>
          {/* tabIndex -1: a click on the menu's padding keeps focus inside, so the menu stays open. */}
          <div ref={menuRef} id={menuId} role="menu" aria-labelledby={buttonId} tabIndex={-1} className={styles.menu} onKeyDown={onMenuKeyDown}>
            {children}
          </div>
        </MenuContext.Provider>
      ) : null}
    </div>
  );
}

function itemsOf(menu: HTMLElement | null): HTMLElement[] {
  return menu ? Array.from(menu.querySelectorAll<HTMLElement>(ITEM_SELECTOR)) : [];
}

interface ItemContentProps {
  icon?: ReactNode;
  children: ReactNode;
  /** A second, quieter line: what the item does or why. Read as the item's description. */
  hint?: string;
  /** At the row's end: a count, a switch, a spinner. */
  end?: ReactNode;
}

function ItemContent({ icon, children, hint, hintId, end }: ItemContentProps & { hintId: string }) {
  return (
    <>
      {icon ? <span className={styles.icon}>{icon}</span> : null}
      <span className={styles.text}>
        <span className={styles.label}>{children}</span>
        {hint ? (
          <span id={hintId} className={styles.hint} aria-hidden="true">
            {hint}
          </span>
        ) : null}
      </span>
      {end ? <span className={styles.end}>{end}</span> : null}
    </>
  );
}

interface MenuItemProps extends ItemContentProps {
  onSelect(): void;
  /** Shown, focusable and announced as unavailable, but choosing it does nothing. */
  isDisabled?: boolean;
  isBusy?: boolean;
  /** Keep the menu open after choosing (a toggle whose new state is worth seeing). */
  keepOpen?: boolean;
  testId?: string;
}

/** A plain action. */
export function MenuItem(props: MenuItemProps) {
  return <ActionItem role="menuitem" {...props} />;
}

/** An on/off setting: aria-checked says which. */
export function MenuItemCheckbox({ isChecked, ...props }: MenuItemProps & { isChecked: boolean }) {
  return <ActionItem role="menuitemcheckbox" isChecked={isChecked} {...props} />;
}

function ActionItem({
  role,
  isChecked,
  onSelect,
  isDisabled = false,
  isBusy = false,
  keepOpen = false,
  testId,
  ...content
}: MenuItemProps & { role: 'menuitem' | 'menuitemcheckbox'; isChecked?: boolean }) {
  const menu = useMenu();
  const hintId = useId();
  return (
    <button
      type="button"
      role={role}
      tabIndex={-1}
      className={styles.item}
      aria-checked={role === 'menuitemcheckbox' ? isChecked : undefined}
      aria-disabled={isDisabled || isBusy || undefined}
      aria-busy={isBusy || undefined}
      aria-describedby={content.hint ? hintId : undefined}
      data-testid={testId}
      onClick={() => {
        if (isDisabled || isBusy) return;
        if (!keepOpen) menu.close(true);
        onSelect();
      }}
    >
      <ItemContent {...content} hintId={hintId} />
    </button>
  );
}

/** A link: navigates, or downloads with `download`. */
export function MenuLink({ href, download, testId, ...content }: ItemContentProps & { href: string; download?: boolean; testId?: string }) {
  const menu = useMenu();
  const hintId = useId();
  return (
    <a
      role="menuitem"
      tabIndex={-1}
      href={href}
      download={download}
      className={styles.item}
      aria-describedby={content.hint ? hintId : undefined}
      data-testid={testId}
      onClick={() => menu.close(true)}
    >
      <ItemContent {...content} hintId={hintId} />
    </a>
  );
}

export function MenuSeparator() {
  return <div role="separator" className={styles.separator} />;
}

/** A switch drawn at an item's end, following the item's aria-checked. */
export function MenuSwitch() {
  return <span className={styles.switch} aria-hidden="true" />;
}
