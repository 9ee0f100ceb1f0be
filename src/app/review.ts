/**
 * What a reference app decides (docs/protocol.md, "Apps and claims"). Pure: the routes give it the
 * record a member sent and get the statements to sign.
 *
 * - `review` (content review): `verdict:approved`, or `verdict:rejected` when a reviewed string field
 *   holds a blocked word (case-insensitive); and `audience:<a>`, the audience the app rates content for.
 * - `identity` (identity confirmation): `identity:confirmed` for the member that asked, about its own
 *   record; the reference app confirms that the member holds the membership's TLS key (the mTLS
 *   handshake proved it), a real one would check more (an e-mail round trip, a document).
 */
import type { AppKind } from './layout.js';

export interface ReviewPolicy {
  /** Words that make a review `rejected`, lower case. */
  readonly blockedWords: readonly string[];
  readonly audience: string;
}

export const DEFAULT_REVIEW_POLICY: ReviewPolicy = { blockedWords: ['spam', 'scam'], audience: 'everyone' };

/** The statements (`claims` of the claim) for `record`'s `fields`. */
export function statementsFor(
  kind: AppKind,
  record: Readonly<Record<string, unknown>>,
  fields: readonly string[],
  policy: ReviewPolicy,
): string[] {
  if (kind === 'identity') return ['identity:confirmed'];
  const texts = fields
    .map((field) => record[field])
    .filter((value): value is string => typeof value === 'string')
    .map((text) => text.toLowerCase());
  const blocked = policy.blockedWords.some((word) => texts.some((text) => text.includes(word)));
  return [blocked ? 'verdict:rejected' : 'verdict:approved', `audience:${policy.audience}`];
}
