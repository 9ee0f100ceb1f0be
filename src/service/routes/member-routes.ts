/**
 * `POST /api/v1/service/member` (spec §3-4): a pod asks for the certificates of its membership. The
 * caller must present its account TLS certificate (mutual TLS); the body is `{csr, address?, port?}`
 * with a CSR for the member TLS cert (`<member_id>.members-<S>.<net>`) or the member data cert
 * (`<member_id>.members-data-<S>.<net>`). The member id is new, or already held by the same account.
 * For a TLS cert the member's name is published at the directory's DNS (address: the given one, or the
 * request's source address; port: the pod's member port, required). Answer: `{chain, root_ca}`.
 */
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unpublishableReason } from '../../dns/index.js';
import { ByodaError, isByodaError } from '../../errors/index.js';
import { parseIdentity, verifyCsr } from '../../pki/index.js';
import type { PkiIdentity } from '../../pki/index.js';
import { authenticateAccount } from '../client-auth.js';
import type { ServiceContext } from '../context.js';
import type { MemberClaim } from '../member-store.js';
import { noteOnRequest } from '../request-log.js';

export const MEMBER_PATH = '/api/v1/service/member';

interface MemberCsrBody {
  csr: string;
  address?: string;
  port?: number;
}

/** A P-256 CSR is well under 1 KiB; the pki refuses anything above 8 KiB anyway. */
const MAX_CSR_LENGTH = 8 * 1024;

const bodySchema = {
  type: 'object',
  required: ['csr'],
  additionalProperties: false,
  properties: {
    csr: { type: 'string', minLength: 1, maxLength: MAX_CSR_LENGTH },
    address: { type: 'string', minLength: 1, maxLength: 64 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
  },
} as const;

/** The membership a CSR asks for, after its self-signature and name were checked. */
interface MemberRequest {
  readonly memberId: string;
  readonly kind: 'member' | 'member-data';
}

/** The verified account of each request, set before its body is read. */
const accounts = new WeakMap<FastifyRequest, string>();

export function memberRoutes(app: FastifyInstance, context: ServiceContext): void {
  // Authentication runs first (onRequest), so that nobody without an account cert gets a body parsed.
  const onRequest = async (request: FastifyRequest): Promise<void> => {
    const account = await authenticateAccount(context.clients, request);
    accounts.set(request, account.accountId);
  };
  app.post<{ Body: MemberCsrBody }>(MEMBER_PATH, { onRequest, schema: { body: bodySchema } }, (request) => {
    const accountId = accounts.get(request);
    if (accountId === undefined) {
      throw new ByodaError('BYODA_ERR_UNAUTHORIZED', 'the caller is not authenticated');
    }
    return issueMembershipCert(context, request, accountId);
  });
}

async function issueMembershipCert(
  context: ServiceContext,
  request: FastifyRequest<{ Body: MemberCsrBody }>,
  accountId: string,
): Promise<{ chain: string; root_ca: string }> {
  const { body } = request;
  const { memberId, kind } = await readMemberCsr(body.csr, context);
  const address = body.address === undefined ? sourceAddress(request) : checkedAddress(body.address);
  if (kind === 'member' && body.port === undefined) {
    throw badField('port', 'is required with a member TLS CSR (the port the pod serves members on)');
  }
  // A revoked membership gets no certificate again: renewing must not undo a revocation.
  if (context.revocations.hasMember(memberId, context.pki.serviceId)) {
    throw new ByodaError('BYODA_ERR_REVOKED', `the membership of ${memberId} is revoked`, { status: 403 });
  }
  const quota = context.memberQuota;
  refuseClaim(context.members.check(memberId, accountId, quota), memberId, accountId, quota);
  const issued = await context.pki.signMemberCsr(body.csr, memberId);
  // Claimed only now, so that a refused CSR never takes a member id; a lost race is still refused.
  refuseClaim(context.members.claim(memberId, accountId, quota), memberId, accountId, quota);
  if (kind === 'member' && body.port !== undefined) {
    await context.directory.registerMember({
      memberId,
      serviceId: context.pki.serviceId,
      port: body.port,
      ...(address !== undefined ? { address } : {}),
    });
  }
  noteOnRequest(request, { issued: issued.commonName });
  return { chain: issued.chainPem, root_ca: context.pki.rootCaPem };
}

/** Verify the CSR and check that it names a member (TLS or data) of this service in this network. */
async function readMemberCsr(csrPem: string, context: ServiceContext): Promise<MemberRequest> {
  const { network, serviceId } = context.pki;
  let commonName: string;
  try {
    ({ commonName } = await verifyCsr(csrPem));
  } catch (err) {
    if (isByodaError(err)) throw badCsr(err.message, err);
    throw err;
  }
  const identity: PkiIdentity | null = parseIdentity(commonName, network);
  if (!identity || (identity.type !== 'member' && identity.type !== 'member-data') || !identity.memberId) {
    throw badCsr(
      `the CSR asks for '${commonName}', which is not a member name of this service ` +
        `(<member_id>.members-${serviceId}.${network} or <member_id>.members-data-${serviceId}.${network})`,
    );
  }
  if (identity.serviceId !== serviceId) {
    throw badCsr(
      `the CSR asks for '${commonName}' of service ${identity.serviceId}, but this is service ${serviceId}`,
    );
  }
  return { memberId: identity.memberId, kind: identity.type };
}

function refuseClaim(claim: MemberClaim, memberId: string, accountId: string, quota: number): void {
  if (claim === 'other-account') {
    throw new ByodaError('BYODA_ERR_FORBIDDEN', `member id ${memberId} belongs to another account`);
  }
  if (claim === 'over-quota') {
    throw new ByodaError(
      'BYODA_ERR_MEMBER_QUOTA',
      `account ${accountId} holds ${quota} member id(s) of this service, the most one account may ` +
        `(member quota); member id ${memberId} was not created`,
    );
  }
}

/** The request's source address, an IPv4-mapped IPv6 address written as IPv4. */
function sourceAddress(request: FastifyRequest): string | undefined {
  const ip = request.ip.startsWith('::ffff:') ? request.ip.slice('::ffff:'.length) : request.ip;
  return isIP(ip) ? ip : undefined;
}

/**
 * A given address, refused early when the directory could never publish it (src/dns publishable.ts).
 * Loopback passes here: whether it is published is the directory's call (only a local network's).
 */
function checkedAddress(address: string): string {
  if (isIP(address) === 0)
    throw badField('address', `${JSON.stringify(address)} is not an IPv4 or IPv6 address`);
  const reason = unpublishableReason(address, { loopback: true });
  if (reason !== undefined) throw badField('address', `${address} is ${reason}: it cannot be published`);
  return address;
}

function badField(field: string, reason: string): ByodaError {
  return new ByodaError('BYODA_ERR_BAD_REQUEST', `invalid body/${field}: ${reason}`, {
    status: 400,
    path: `body/${field}`,
  });
}

function badCsr(reason: string, cause?: unknown): ByodaError {
  return new ByodaError('BYODA_ERR_CSR', `invalid body/csr: ${reason}`, {
    status: 400,
    path: 'body/csr',
    ...(cause === undefined ? {} : { cause }),
  });
}
