import type { Metadata } from 'next';
import { InvitationsSection } from './invitations-section';
import { MembersSection } from './members-section';

export const metadata: Metadata = { title: 'Members' };

export default function MembersPage() {
  return (
    <>
      <MembersSection />
      <InvitationsSection />
    </>
  );
}
