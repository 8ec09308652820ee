/** How roles read in the UI. The server decides what each may do; this only names it. */
export type RoleName = 'owner' | 'admin' | 'member' | 'viewer';

export const ROLE_LABEL: Record<RoleName, string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
  viewer: 'Viewer',
};

export const ROLE_DESCRIPTION: Record<RoleName, string> = {
  owner: 'Everything an admin can do, and can grant or remove the owner role.',
  admin: 'Manages members, invitations, settings and the audit log.',
  member: 'Reads, comments and reviews; publishes where the organization allows.',
  viewer: 'Reads artifacts only.',
};

export function isRoleName(value: string): value is RoleName {
  return value === 'owner' || value === 'admin' || value === 'member' || value === 'viewer';
}

/** "Admin"; an unknown role from a newer server shows as sent. */
export function roleLabel(role: string): string {
  return isRoleName(role) ? ROLE_LABEL[role] : role;
}

/** "an admin", "a member": for sentences. */
export function roleWithArticle(role: string): string {
  const label = roleLabel(role).toLowerCase();
  return /^[aeiou]/.test(label) ? `an ${label}` : `a ${label}`;
}
