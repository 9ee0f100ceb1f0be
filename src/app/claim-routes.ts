/**
 * The app's API (docs/protocol.md, "Apps and claims"):
 *
 * - `POST /api/v1/app/claims` (mutual TLS, a member TLS cert of the app's service): body
 *   `{object_type, keyfield, record, object_fields?}`; answers `{claim}`, a claim of the contract's
 *   `claim` type signed with the app's data key, about `record` as sent. The member stores it with the
 *   record (e.g. in the record's `claims` field); any reader verifies it against the app's data cert.
 * - `GET /api/v1/app/data-cert`: the app data cert chain (PEM), public: every reader needs it.
 * - `GET /api/v1/app/claims/<claim_id>`: whether the app issued that claim (its confirmation URL).
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { ByodaError, isByodaError } from '../errors/index.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClientIdentityVerifier } from '../http/index.js';
import type { Credential } from '../pki/index.js';
import { CLAIM_SIGNATURE_FORMAT_VERSION, signClaim } from '../signing/index.js';
import type { Claim } from '../signing/index.js';
import type { ClaimStore } from './claim-store.js';
import type { AppConfig } from './layout.js';
import { statementsFor } from './review.js';
import type { ReviewPolicy } from './review.js';

export const APP_PATHS = {
  claims: '/api/v1/app/claims',
  dataCert: '/api/v1/app/data-cert',
} as const;

export interface ClaimRoutesContext {
  readonly config: AppConfig;
  readonly data: Credential;
  readonly clients: ClientIdentityVerifier;
  readonly claims: ClaimStore;
  readonly policy: ReviewPolicy;
  /** `https://<fqdn>:<port>`, for the URLs a claim carries. */
  readonly baseUrl: () => string;
}

interface ClaimBody {
  object_type: string;
  keyfield: string;
  record: Record<string, unknown>;
  object_fields?: string[];
}

const NAME = { type: 'string', pattern: '^[_A-Za-z][_0-9A-Za-z]{0,127}$' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const claimBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['object_type', 'keyfield', 'record'],
  properties: {
    object_type: NAME,
    keyfield: NAME,
    record: { type: 'object', maxProperties: 256 },
    object_fields: { type: 'array', minItems: 1, maxItems: 256, uniqueItems: true, items: NAME },
  },
} as const;

export function claimRoutes(app: FastifyInstance, context: ClaimRoutesContext): void {
  app.get(APP_PATHS.dataCert, async (_request, reply) => {
    await reply.type('application/x-pem-file').send(context.data.chainPem);
  });
  app.get<{ Params: { claim_id: string } }>(`${APP_PATHS.claims}/:claim_id`, (request) => {
    const issued = UUID.test(request.params.claim_id)
      ? context.claims.get(request.params.claim_id)
      : undefined;
    if (!issued) {
      throw new ByodaError('BYODA_ERR_NOT_FOUND', `this app issued no claim ${request.params.claim_id}`, {
        status: 404,
      });
    }
    return {
      claim_id: issued.claimId,
      status: 'issued',
      verdict: issued.verdict,
      issued_at: issued.issuedAt,
    };
  });
  app.post<{ Body: ClaimBody }>(
    APP_PATHS.claims,
    // The member is known before its body is read: nobody else gets one parsed.
    {
      onRequest: (request) => memberOf(context, request).then(() => undefined),
      schema: { body: claimBodySchema },
    },
    async (request) => ({ claim: await issueClaim(context, request) }),
  );
}

const members = new WeakMap<FastifyRequest, string>();

/** The member of the app's service whose TLS cert the request came with; 401/403 otherwise. */
async function memberOf(context: ClaimRoutesContext, request: FastifyRequest): Promise<string> {
  const known = members.get(request);
  if (known) return known;
  const { serviceId } = context.config;
  let identity;
  try {
    identity = await context.clients.identityOf(request.raw.socket as TLSSocket);
  } catch (err) {
    if (isByodaError(err)) throw err;
    throw new ByodaError('BYODA_ERR_UNAUTHORIZED', 'client certificate refused', { status: 401 });
  }
  if (!identity) {
    throw new ByodaError(
      'BYODA_ERR_UNAUTHORIZED',
      `asking for a claim needs the member TLS certificate of a member of service ${serviceId}`,
      { status: 401 },
    );
  }
  if (identity.type !== 'member' || identity.serviceId !== serviceId || identity.memberId === undefined) {
    throw new ByodaError(
      'BYODA_ERR_FORBIDDEN',
      `only members of service ${serviceId} may ask for a claim, not a ${identity.type} certificate`,
      { status: 403 },
    );
  }
  members.set(request, identity.memberId);
  return identity.memberId;
}

async function issueClaim(
  context: ClaimRoutesContext,
  request: FastifyRequest<{ Body: ClaimBody }>,
): Promise<Claim> {
  const memberId = await memberOf(context, request);
  const { object_type: objectType, keyfield, record } = request.body;
  const keyfieldId = record[keyfield];
  if (typeof keyfieldId !== 'string' || !UUID.test(keyfieldId)) {
    throw badField(`record/${keyfield}`, `the key field ${keyfield} must hold a lower-case UUID`);
  }
  const fields =
    request.body.object_fields ??
    Object.keys(record)
      .filter((name) => name !== 'claims')
      .sort();
  if (fields.includes('claims')) {
    throw badField('object_fields', 'a claim cannot cover the claims field it is stored in');
  }
  const missing = fields.find((field) => !Object.hasOwn(record, field));
  if (missing !== undefined) throw badField('object_fields', `the record has no field ${missing}`);
  const { config } = context;
  if (config.kind === 'identity' && (keyfield !== 'member_id' || keyfieldId !== memberId)) {
    throw badField(
      'record/member_id',
      'an identity claim is about the member that asks: member_id must be its own',
    );
  }
  const claimId = randomUUID();
  const leaf = new X509Certificate(context.data.certPem);
  const base = context.baseUrl();
  const claims = statementsFor(config.kind, record, fields, context.policy);
  const signed = await signClaim(
    {
      claim_id: claimId,
      claims,
      issuer_id: config.appId,
      issuer_type: 'app',
      object_type: objectType,
      keyfield,
      keyfield_id: keyfieldId,
      object_fields: fields,
      requester_id: memberId,
      requester_type: 'member',
      signature_timestamp: new Date().toISOString(),
      signature_format_version: CLAIM_SIGNATURE_FORMAT_VERSION,
      signature_url: `${base}${APP_PATHS.dataCert}`,
      renewal_url: `${base}${APP_PATHS.claims}`,
      confirmation_url: `${base}${APP_PATHS.claims}/${claimId}`,
      cert_fingerprint: leaf.fingerprint256.replaceAll(':', '').toLowerCase(),
      cert_expiration: new Date(leaf.validTo).toISOString(),
    },
    record,
    context.data,
  );
  context.claims.add({
    claimId,
    requesterId: memberId,
    objectType,
    keyfieldId,
    verdict: claims[0] ?? '',
    issuedAt: signed.signature_timestamp,
  });
  return signed;
}

function badField(field: string, reason: string): ByodaError {
  return new ByodaError('BYODA_ERR_BAD_REQUEST', `invalid body/${field}: ${reason}`, {
    status: 400,
    path: `body/${field}`,
  });
}
