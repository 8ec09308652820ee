import type { ReactNode } from 'react';
import { AppHeader } from '../_components/app-header';

/** The app shell for list-style pages: top bar, then the page. */
export default function ShellLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <AppHeader />
      {children}
    </>
  );
}
