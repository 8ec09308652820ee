import type { ArtifactDetail } from '../../../../lib/query/schemas';

export interface AccessSummary {
  /** The chip's few words: "Draft", "Organization", "3 people". */
  label: string;
  /** One sentence on who can see it, for the header's second line and the chip's tooltip. */
  hint: string;
  tone: 'draft' | 'org' | 'members';
}

/** Everyone who may see a members-only artifact besides admins: the creator and the listed members. */
export function peopleWithAccess(artifact: ArtifactDetail): number {
  return new Set([artifact.createdBy.id, ...artifact.members]).size;
}

/**
 * Who can see this artifact, in words, from the viewer's side. A draft is
 * its creator's alone until published (admins see it once publication was
 * requested); a published one is the organization's or named people's.
 */
export function describeAccess(artifact: ArtifactDetail, viewerId: string | null, orgName: string | null): AccessSummary {
  const isMine = viewerId !== null && artifact.createdBy.id === viewerId;
  if (artifact.status === 'draft') {
    const creator = artifact.createdBy.name || 'its creator';
    if (isMine) {
      return {
        label: 'Draft',
        hint: artifact.publishRequested ? 'Publication requested: you and the admins can see this draft' : 'Only you can see this draft',
        tone: 'draft',
      };
    }
    return {
      label: 'Draft',
      hint: artifact.publishRequested ? `${creator} asked to publish this draft` : `A draft by ${creator}, not published yet`,
      tone: 'draft',
    };
  }
  if (artifact.visibility === 'org') {
    return { label: 'Organization', hint: orgName ? `Everyone in ${orgName} can see this` : 'Everyone in the organization can see this', tone: 'org' };
  }
  const count = peopleWithAccess(artifact);
  const others = count - 1;
  const who = isMine ? 'You' : artifact.createdBy.name || 'The creator';
  return {
    label: `${count} ${count === 1 ? 'person' : 'people'}`,
    hint:
      others > 0
        ? `${who} and ${others} ${others === 1 ? 'other person' : 'other people'} can see this, and the admins`
        : `Only ${isMine ? 'you' : who} and the admins can see this`,
    tone: 'members',
  };
}
