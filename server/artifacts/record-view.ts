import type { Principal } from '../../lib/auth/principal';
import { actorOf, type RequestMeta } from '../audit/audit';
import type { Services } from '../services';

/** An artifact was opened (a page load of /a/:id, or an API read of its content): audited, never blocking the read. */
export function recordView(services: Services, principal: Principal, artifactId: string, meta: RequestMeta, via: 'page' | 'api'): void {
  services.audit.recordQuietly({
    orgId: principal.orgId,
    actor: actorOf(principal),
    action: 'artifact.view',
    artifactId,
    target: { type: 'artifact', id: artifactId },
    details: { via },
    meta,
  });
}
