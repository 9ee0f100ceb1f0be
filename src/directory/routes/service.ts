/**
 * A service's registration: `POST /api/v1/network/service` (a CSR for its CA, which takes the service
 * id), `PUT /api/v1/network/service/service-<id>` (its address, port, name and contract version) and
 * `POST .../contract` (the network's countersignature on a contract, spec §5).
 */
import type { FastifyRequest } from 'fastify';
import { parseContract, signContract, verifyContractSignature } from '../../contract/index.js';
import type { Contract } from '../../contract/index.js';
import { ByodaError, isByodaError } from '../../errors/index.js';
import type { HttpsApp } from '../../http/index.js';
import { DIRECTORY_PATHS } from '../../network/index.js';
import type {
  ContractReply,
  ContractSignBody,
  RegistrationReply,
  ServiceCsrBody,
  ServiceUpdateBody,
  SignedCsrReply,
} from '../../network/index.js';
import { serviceFqdn } from '../../pki/index.js';
import { authorizeServiceCaller, authorizeServiceCsr } from '../authorization.js';
import type { DirectoryContext } from '../context.js';
import { badField, csrIdentity, publishedAddress, serviceIdParam } from '../inputs.js';
import { contractSignBody, serviceCsrBody, serviceParams, serviceUpdateBody } from '../schemas.js';

interface ServiceParams {
  service: string;
}

export function serviceRoutes(app: HttpsApp, ctx: DirectoryContext): void {
  app.post<{ Body: ServiceCsrBody }>(
    DIRECTORY_PATHS.service,
    { schema: { body: serviceCsrBody } },
    (request) => signServiceCsr(ctx, request),
  );
  app.put<{ Params: ServiceParams; Body: ServiceUpdateBody }>(
    `${DIRECTORY_PATHS.service}/:service`,
    { schema: { params: serviceParams, body: serviceUpdateBody } },
    (request) => updateService(ctx, request),
  );
  app.post<{ Params: ServiceParams; Body: ContractSignBody }>(
    `${DIRECTORY_PATHS.service}/:service/contract`,
    { schema: { params: serviceParams, body: contractSignBody } },
    (request) => countersignContract(ctx, request),
  );
}

async function signServiceCsr(
  ctx: DirectoryContext,
  request: FastifyRequest<{ Body: ServiceCsrBody }>,
): Promise<SignedCsrReply> {
  const requested = await csrIdentity(request.body.csr, ctx.network, ['service-ca']);
  const serviceId = requested.serviceId ?? -1;
  const exists = (await ctx.store.getService(serviceId)) !== undefined;
  authorizeServiceCsr(serviceId, await ctx.requesterOf(request), exists);
  const issued = await ctx.pki.signServiceCaCsr(request.body.csr, serviceId);
  await ctx.store.createService(serviceId, request.body.name);
  return { chain: issued.chainPem, root_ca: ctx.pki.rootCaPem };
}

async function updateService(
  ctx: DirectoryContext,
  request: FastifyRequest<{ Params: ServiceParams; Body: ServiceUpdateBody }>,
): Promise<RegistrationReply> {
  const serviceId = await authorizedService(ctx, request);
  const { name, version, port } = request.body;
  const address = publishedAddress(request.body.address, request.ip, ctx.addressPolicy);
  const registration = { kind: 'service', row: { serviceId, name, version, address, port } } as const;
  return ctx.registrar.publishHost(registration, serviceFqdn(ctx.network, serviceId), address, port);
}

async function countersignContract(
  ctx: DirectoryContext,
  request: FastifyRequest<{ Params: ServiceParams; Body: ContractSignBody }>,
): Promise<ContractReply> {
  const serviceId = await authorizedService(ctx, request);
  const { contract: document, data_cert_chain: chainPem } = request.body;
  const contract = readContract(document);
  if (contract.serviceId !== serviceId) {
    throw badField(
      'body/contract/service_id',
      `the contract is for service ${contract.serviceId}, not ${serviceId}`,
    );
  }
  // The service's own signature first: the network vouches only for what the service signed (spec §5).
  await verifyContractSignature(document, 'service', chainPem, ctx.pki.rootCaPem);
  const signed = await signContract(document, 'network', ctx.pki.networkData);
  await ctx.store.recordContractVersion(serviceId, contract.version);
  return { contract: { ...signed } };
}

/** The service of the path: 404 when unknown, then only its own TLS cert may act on it. */
async function authorizedService(
  ctx: DirectoryContext,
  request: FastifyRequest<{ Params: ServiceParams }>,
): Promise<number> {
  const serviceId = serviceIdParam(request.params.service);
  if (!(await ctx.store.getService(serviceId))) {
    throw new ByodaError('BYODA_ERR_NOT_FOUND', `service ${serviceId} is not registered`, { status: 404 });
  }
  authorizeServiceCaller(serviceId, await ctx.requesterOf(request));
  return serviceId;
}

/** The network signs only valid contracts; a fault is reported at its place inside `body/contract`. */
function readContract(document: Record<string, unknown>): Contract {
  try {
    return parseContract(document);
  } catch (err) {
    if (!isByodaError(err)) throw err;
    const path = `body/contract${err.path ?? ''}`;
    throw new ByodaError(err.code, `invalid ${path}: ${err.message}`, { status: 400, path, cause: err });
  }
}
