import { canSeeArtifact, memberEmailFor } from '../../lib/auth/policy';
import type { Principal } from '../../lib/auth/principal';
import type { ArtifactRecord } from '../../lib/store/types';
import type { MentionableView, ReviewActor } from '../../lib/review/types';
import type { Services } from '../services';

/** The author of a review action: a person by account, an agent by its token. */
export function reviewActorOf(principal: Principal): ReviewActor {
  return principal.kind === 'agent'
    ? { kind: 'agent', id: principal.tokenId, name: principal.name }
    : { kind: 'user', id: principal.userId, name: principal.name };
}

/** Whether this principal wrote the comment (an agent by its token, a person by account). */
export function isAuthor(principal: Principal, author: ReviewActor): boolean {
  return principal.kind === 'agent' ? author.kind === 'agent' && author.id === principal.tokenId : author.kind === 'user' && author.id === principal.userId;
}

/** The mention id that stands for the artifact's agent. */
export const AGENT_MENTION_ID = 'agent';

/**
 * Who can be mentioned on this artifact, as `viewer` may see them: the
 * organization's members who can see it (a mention must not leak an artifact
 * to someone it is hidden from), and the artifact's agent. Emails go through
 * the same projection as `/org/members` (`memberEmailFor`): viewers and
 * agent tokens get names only, and so cannot resolve `@email` either.
 */
export async function mentionablesOf(services: Services, viewer: Principal, artifact: ArtifactRecord): Promise<MentionableView[]> {
  const members = await services.store.listMembersOfOrg(artifact.orgId);
  const people: MentionableView[] = [];
  for (const member of members) {
    const asPrincipal: Principal = {
      kind: 'user',
      userId: member.userId,
      orgId: artifact.orgId,
      role: member.role,
      sessionId: '',
      name: member.user.name,
      email: member.user.email,
    };
    if (canSeeArtifact(asPrincipal, artifact)) {
      people.push({ kind: 'user', id: member.userId, name: member.user.name, email: memberEmailFor(viewer, member.user.email) });
    }
  }
  return [{ kind: 'agent', id: AGENT_MENTION_ID, name: 'Agent', email: null }, ...people];
}
