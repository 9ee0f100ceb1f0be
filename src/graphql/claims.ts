/**
 * Claims in the API (spec §9, §12; docs/protocol.md, "Apps and claims"). A record's `claims` field
 * holds claims of the contract's `claim` type, signed by apps; each edge's `claims` lists them
 * checked by this pod (against the issuer's app data cert, over the record as it is now) and, for the
 * owner, whether the issuer is one the owner trusts: an entry of the owner's `apps` class with status
 * `active` or `preferred`. `X_connection(trusted_claim: "verdict:approved")` (owner only) keeps only
 * the edges with a verified claim, by a trusted app, that states it. Checks run only when selected or
 * filtered on, once per edge.
 */
import { GraphQLBoolean, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLString } from 'graphql';
import { findClass } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import type { ClaimCheck } from '../signing/index.js';
import type { DataRecord } from '../storage/index.js';
import type { MembershipContext } from './context.js';
import { guarded } from './errors.js';
import { DateTimeScalar, UUIDScalar } from './scalars.js';

export const CLAIM_CHECK_TYPE = 'ClaimCheck';
/** The owner's class of apps (the real contracts' `apps`), and the statuses that mean "trusted". */
export const APPS_CLASS = 'apps';
const TRUSTED_STATUSES = new Set(['active', 'preferred']);
/** Most `apps` entries read for the trust list: a page; an owner trusts a handful of apps. */
const MAX_TRUSTED_APPS = 100;

/** Checks one claim about a record; never throws for a bad claim. */
export interface ClaimVerifier {
  verify(claim: unknown, className: string, record: DataRecord): Promise<ClaimCheck>;
}

export interface CheckedClaim extends ClaimCheck {
  readonly trusted: boolean;
}

/** What an edge's `claims` resolves from: the record and its class. */
export class EdgeClaims {
  readonly className: string;
  readonly data: DataRecord;
  #checks: Promise<readonly CheckedClaim[]> | undefined;

  constructor(className: string, data: DataRecord) {
    this.className = className;
    this.data = data;
  }

  checks(context: MembershipContext): Promise<readonly CheckedClaim[]> {
    this.#checks ??= checkAll(this.className, this.data, context);
    return this.#checks;
  }
}

async function checkAll(
  className: string,
  data: DataRecord,
  context: MembershipContext,
): Promise<CheckedClaim[]> {
  const claims = data['claims'];
  if (!Array.isArray(claims) || claims.length === 0) return [];
  const trusted = await trustedApps(context);
  return Promise.all(
    claims.map(async (claim) => {
      const check = context.claims
        ? await context.claims.verify(claim, className, data)
        : { verified: false, claims: [], reason: 'this pod cannot verify claims' };
      return {
        ...check,
        trusted: check.verified && check.issuerId !== undefined && trusted.has(check.issuerId),
      };
    }),
  );
}

/** The owner's trusted apps, read once per operation; nobody else learns whom the owner trusts. */
const trustLists = new WeakMap<MembershipContext, Promise<ReadonlySet<string>>>();

function trustedApps(context: MembershipContext): Promise<ReadonlySet<string>> {
  if (context.requester.kind !== 'owner' || !findClass(context.contract, APPS_CLASS)) {
    return Promise.resolve(new Set());
  }
  let list = trustLists.get(context);
  if (!list) {
    list = context.store
      .query(APPS_CLASS, { first: MAX_TRUSTED_APPS })
      .then(
        (page) =>
          new Set(
            page.records
              .filter((record) => TRUSTED_STATUSES.has(String(record.data['status'] ?? '').toLowerCase()))
              .map((record) => String(record.data['app_id'] ?? '').toLowerCase()),
          ),
      );
    trustLists.set(context, list);
  }
  return list;
}

/** `trusted_claim`: the edges kept; refused for anyone but the owner (the trust list is theirs). */
export async function keepTrustedClaims<E extends { readonly claims: EdgeClaims }>(
  edges: readonly E[],
  statement: string | null | undefined,
  context: MembershipContext,
): Promise<readonly E[]> {
  if (statement === undefined || statement === null) return edges;
  if (context.requester.kind !== 'owner') {
    throw new ByodaError(
      'BYODA_ERR_FORBIDDEN',
      'trusted_claim filters on the owner’s trusted apps: owner only',
    );
  }
  const kept = await Promise.all(
    edges.map(async (edge) =>
      (await edge.claims.checks(context)).some((check) => check.trusted && check.claims.includes(statement)),
    ),
  );
  return edges.filter((_edge, i) => kept[i]);
}

export function claimCheckType(): GraphQLObjectType<CheckedClaim, MembershipContext> {
  return new GraphQLObjectType<CheckedClaim, MembershipContext>({
    name: CLAIM_CHECK_TYPE,
    description: 'A claim about the record (e.g. an app’s review), as this pod checked it.',
    fields: {
      claim_id: { type: UUIDScalar, resolve: (check) => check.claimId ?? null },
      issuer_id: {
        type: UUIDScalar,
        description: 'The app that says it issued the claim.',
        resolve: (check) => check.issuerId ?? null,
      },
      claims: {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))),
        description: 'What the claim states, e.g. `verdict:approved`, `audience:everyone`.',
        resolve: (check) => check.claims,
      },
      signed_at: { type: DateTimeScalar, resolve: (check) => check.signedAt ?? null },
      verified: {
        type: new GraphQLNonNull(GraphQLBoolean),
        description: 'Signed by the issuer’s app data certificate, over the record as it is now.',
        resolve: (check) => check.verified,
      },
      trusted: {
        type: new GraphQLNonNull(GraphQLBoolean),
        description: 'Verified, and the issuer is an app the owner trusts (owner only; false for others).',
        resolve: (check) => check.trusted,
      },
      reason: { type: GraphQLString, resolve: (check) => (check.verified ? null : (check.reason ?? null)) },
    },
  });
}

export const resolveEdgeClaims = guarded<Readonly<Record<string, unknown>>, unknown, readonly CheckedClaim[]>(
  async (source, _args, context) =>
    source['claims'] instanceof EdgeClaims ? source['claims'].checks(context) : [],
);
