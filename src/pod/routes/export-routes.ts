/**
 * The owner's data export and import on the web port, owner token only (docs/backup.md, "Export and
 * import"): `GET /api/v1/pod/export` -> every membership's own records as JSON;
 * `POST /api/v1/pod/import` with such a document -> written into this pod's memberships.
 */
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { PodContext } from '../context.js';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  exportMembership,
  importParts,
  parseImport,
} from '../memberships/data-export.js';

export const EXPORT_PATHS = { export: '/api/v1/pod/export', import: '/api/v1/pod/import' } as const;

/** An import carries a whole pod's data: more than the API's usual body limit. */
const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;

export function exportRoutes(app: FastifyInstance, pod: PodContext, ownerOnly: onRequestHookHandler): void {
  app.get(EXPORT_PATHS.export, { onRequest: ownerOnly }, async () => {
    const memberships = [];
    for (const membership of pod.memberships.list()) memberships.push(await exportMembership(membership));
    pod.logger.info({ memberships: memberships.length }, 'data exported');
    return {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      account_id: pod.config.accountId,
      exported_at: new Date().toISOString(),
      memberships,
    };
  });
  app.post(EXPORT_PATHS.import, { onRequest: ownerOnly, bodyLimit: IMPORT_BODY_LIMIT }, async (request) => {
    const parts = parseImport(request.body, (serviceId) => pod.memberships.get(serviceId));
    const written = await importParts(parts);
    pod.logger.info({ written }, 'data imported');
    return { imported: written };
  });
}
