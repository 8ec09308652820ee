import type { Metadata } from 'next';
import { AuthScreen } from '../../_components/auth-screen';
import { InviteView } from './invite-view';

export const metadata: Metadata = { title: 'Invitation' };

interface InvitePageProps {
  params: Promise<{ secret: string }>;
}

/** `/invite/<secret>`: served without a session; the link itself is the credential. */
export default async function InvitePage({ params }: InvitePageProps) {
  const { secret } = await params;
  return (
    <AuthScreen>
      <InviteView secret={secret} />
    </AuthScreen>
  );
}
