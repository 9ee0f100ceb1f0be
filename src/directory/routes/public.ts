/** The directory's public documents: the root CA (spec §4) and the network data cert chain. */
import type { HttpsApp } from '../../http/index.js';
import { DIRECTORY_PATHS } from '../../network/index.js';
import type { ServiceListingReply } from '../../network/index.js';
import { serviceFqdn } from '../../pki/index.js';
import type { DirectoryContext } from '../context.js';

const PEM_TYPE = 'text/plain; charset=utf-8';

export function publicRoutes(app: HttpsApp, ctx: DirectoryContext): void {
  app.get(DIRECTORY_PATHS.rootCa, async (_request, reply) => reply.type(PEM_TYPE).send(ctx.pki.rootCaPem));
  // Verifies the network's signatures on contracts (spec §5).
  app.get(DIRECTORY_PATHS.networkData, async (_request, reply) =>
    reply.type(PEM_TYPE).send(ctx.pki.networkData.chainPem),
  );
  app.get(DIRECTORY_PATHS.services, async (): Promise<ServiceListingReply> => ({
    services: (await ctx.store.listServices()).map((service) => ({
      service_id: service.serviceId,
      name: service.name ?? null,
      version: service.version ?? null,
      fqdn: serviceFqdn(ctx.network, service.serviceId),
    })),
  }));
}
