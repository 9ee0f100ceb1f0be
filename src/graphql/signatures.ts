/**
 * Signed data in the API (spec §9): the `signature` of every edge, verified lazily, and the checks of
 * the mutation arguments `signature` and `sign`.
 *
 * Reading: an edge's `signature` is null when the record has none. Its `verified`, `reason`,
 * `signer_member_id` and `signed_at` are worked out only when a client selects one of them, once per
 * edge, against the record's data as this pod holds it (for remote edges: as it came back, checked
 * against the contract); `jws` alone costs nothing. The pod never takes another pod's word for a
 * signature: remote pods send the JWS, this pod verifies it.
 *
 * Writing: `signature` is a JWS made elsewhere (a third party's claim). Only its form is checked here
 * (well-formed, this class, this service); the cryptographic check is every reader's, per record, so
 * that a record signed with a since-revoked or wrong key shows as such rather than vanishing.
 * `sign: true` has this pod sign the record as its owner's membership.
 */
import { GraphQLBoolean, GraphQLNonNull, GraphQLObjectType, GraphQLString } from 'graphql';
import { findClass } from '../contract/index.js';
import type { DataClass } from '../contract/index.js';
import { ByodaError, isByodaError } from '../errors/index.js';
import { deniedField } from '../firewall/index.js';
import { readDataSignature, type SignatureCheck } from '../signing/index.js';
import { canonicalRecord, type DataRecord, type RecordInput } from '../storage/index.js';
import type { MembershipContext } from './context.js';
import { guarded, guardedSync, type Resolver } from './errors.js';
import { DATA_SIGNATURE_TYPE } from './names.js';
import { DateTimeScalar, UUIDScalar } from './scalars.js';

/** What an edge's `signature` resolves from: the JWS and the record it is to be checked against. */
export class EdgeSignature {
  readonly jws: string;
  readonly className: string;
  readonly data: DataRecord;
  #check: Promise<SignatureCheck> | undefined;

  constructor(jws: string, className: string, data: DataRecord) {
    this.jws = jws;
    this.className = className;
    this.data = data;
  }

  /** The verification, done on first use (one per edge however many fields are selected). */
  check(context: MembershipContext): Promise<SignatureCheck> {
    this.#check ??= context.signatures
      ? context.signatures.verify(this.jws, this.className, this.data)
      : Promise.resolve({ verified: false, reason: 'this pod cannot verify data signatures' });
    return this.#check;
  }
}

/** The edge source's signature: null without one. */
export function edgeSignature(
  jws: string | undefined,
  className: string,
  data: DataRecord,
): EdgeSignature | null {
  return jws === undefined ? null : new EdgeSignature(jws, className, data);
}

function fromCheck<R>(pick: (check: SignatureCheck) => R): Resolver<EdgeSignature, unknown, Promise<R>> {
  return guarded(async (source, _args, context) => pick(await source.check(context)));
}

export function dataSignatureType(): GraphQLObjectType<EdgeSignature, MembershipContext> {
  return new GraphQLObjectType<EdgeSignature, MembershipContext>({
    name: DATA_SIGNATURE_TYPE,
    description:
      'A member’s signature over the record (spec §9): a compact JWS (ES256, detached payload over the ' +
      'RFC 8785 canonical JSON of the record), checked by this pod against the signer’s data certificate.',
    fields: {
      jws: {
        type: GraphQLString,
        description:
          'The JWS; null when the record has fields you may not read: the signature covers them, and ' +
          'with the signer’s public key one could test guesses of their values.',
        resolve: guardedSync<EdgeSignature, unknown, string | null>((source, _args, context) =>
          readsEverything(context, source.className, source.data) ? source.jws : null,
        ),
      },
      signer_member_id: {
        type: UUIDScalar,
        description: 'The member the signature names as its signer.',
        resolve: fromCheck((check) => check.signerMemberId ?? null),
      },
      signed_at: {
        type: DateTimeScalar,
        description: 'When the signature says it was made.',
        resolve: fromCheck((check) => check.signedAt ?? null),
      },
      verified: {
        type: new GraphQLNonNull(GraphQLBoolean),
        description: 'The signature is the signer’s, over the record as it is now.',
        resolve: fromCheck((check) => check.verified),
      },
      reason: {
        type: GraphQLString,
        description: 'Why it is not verified; null when it is.',
        resolve: fromCheck((check) => (check.verified ? null : (check.reason ?? null))),
      },
    },
  });
}

/**
 * Whether the requester may read every field the record has a value for, nested ones included: only
 * then may it have the JWS (verification needs all of them, and a JWS over hidden values is an oracle
 * for guessing them). The record itself is readable, or the edge would not be served.
 */
function readsEverything(context: MembershipContext, className: string, data: DataRecord): boolean {
  const cls = findClass(context.contract, className);
  return (
    cls !== undefined &&
    Object.keys(data).every((name) => cls.fields.some((field) => field.name === name)) &&
    deniedField(cls, 'read', data, context.requester) === undefined
  );
}

/** The resolver of `T_edge.signature`: edge sources carry it (null or an `EdgeSignature`). */
export const resolveEdgeSignature = guardedSync<
  { readonly signature?: EdgeSignature | null },
  unknown,
  unknown
>((source) => source.signature ?? null);

// ---- mutation arguments ----------------------------------------------------------------------------

/** The signing arguments of `append_X` and `mutate_X` as graphql-js hands them over. */
export interface SigningArgs {
  readonly input: RecordInput;
  readonly signature?: string | null;
  readonly sign?: boolean | null;
}

/** Refused before anything else: the two ways of giving a signature exclude each other. */
export function checkSigningArgs(args: SigningArgs): void {
  if (typeof args.signature === 'string' && args.sign === true) {
    throw new ByodaError(
      'BYODA_ERR_BAD_REQUEST',
      'give either signature (a JWS made elsewhere) or sign: true (this pod signs), not both',
    );
  }
}

/**
 * The signature to store with the record: none, the one given (its form checked for this class and
 * service), or this pod's for `sign: true` (owner only: the membership's key signs only for its owner).
 * Call after the firewall allowed the write.
 */
export async function signatureFor(
  cls: DataClass,
  args: SigningArgs,
  context: MembershipContext,
): Promise<string | undefined> {
  if (typeof args.signature === 'string') {
    checkGivenSignature(args.signature, cls, context.contract.serviceId);
    return args.signature;
  }
  if (args.sign !== true) return undefined;
  if (context.requester.kind !== 'owner') {
    throw new ByodaError('BYODA_ERR_FORBIDDEN', "only the pod's owner can have it sign data (sign: true)");
  }
  if (!context.signatures) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'this pod does not sign data: sign: true is not available');
  }
  return context.signatures.sign(cls.name, canonicalRecord(cls, args.input));
}

/** Form, class and service of a given `signature`; BYODA_ERR_DATA_SIGNATURE (400) naming the argument. */
export function checkGivenSignature(jws: string, cls: DataClass, serviceId: number): void {
  let header;
  try {
    header = readDataSignature(jws).header;
  } catch (err) {
    if (!isByodaError(err)) throw err;
    throw new ByodaError('BYODA_ERR_DATA_SIGNATURE', `argument signature: ${err.message}`);
  }
  if (header.byoda_class !== cls.name) {
    throw new ByodaError(
      'BYODA_ERR_DATA_SIGNATURE',
      `argument signature: it was made for class ${header.byoda_class}, not ${cls.name}`,
    );
  }
  if (header.byoda_service_id !== serviceId) {
    throw new ByodaError(
      'BYODA_ERR_DATA_SIGNATURE',
      `argument signature: it was made for service ${header.byoda_service_id}, not ${serviceId}`,
    );
  }
}
