/**
 * Set by the Node server on a page request for `/a/<id>` when the viewer may
 * not see that artifact (missing or another organization's), so the page can
 * answer a real 404. Stripped from every incoming request first.
 */
export const ARTIFACT_VISIBILITY_HEADER = 'x-loupe-artifact';

/** Set by the server on every page request it hands to Next: the client's address, for sign-in limits and the audit log. */
export const CLIENT_IP_HEADER = 'x-loupe-client-ip';
