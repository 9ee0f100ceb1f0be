import type { Action } from '../contract/index.js';

/**
 * What a scoped token (docs/protocol.md, "Scoped tokens") lets a third-party front end do for the
 * owner: these actions on these classes of one membership, and nothing else.
 */
export interface TokenScope {
  readonly tokenId: string;
  readonly serviceId: number;
  readonly classes: readonly string[];
  readonly actions: readonly Action[];
}

/**
 * Who is asking (spec §6). The pod's servers determine the requester once per request from its
 * credentials; the firewall only ever sees this plain description, which keeps its decisions pure.
 */
export type Requester =
  /** The pod owner: a JWT on the web port, or the membership's own certificate. */
  | { readonly kind: 'owner' }
  /**
   * A front end holding a scoped token of the owner: the owner's entities, narrowed to the token's
   * classes and actions (decide.ts), so it can never do more than the owner.
   */
  | { readonly kind: 'delegate'; readonly scope: TokenScope }
  /** Another member of the same service, authenticated by mutual TLS. */
  | {
      readonly kind: 'member';
      readonly memberId: string;
      /** Lower-cased relations of the owner's network links to this member; empty when there is no link. */
      readonly relations: readonly string[];
      /** Hops from the asking pod: 1 for a direct request, the depth of the hop for a proxied query (§8). */
      readonly distance: number;
      /** The request carried a valid origin signature (spec §8). */
      readonly originSignatureVerified: boolean;
    }
  /** The service server, authenticated by its service TLS certificate. */
  | { readonly kind: 'service'; readonly serviceId: number }
  /** An app of the service (spec §12), authenticated by its app TLS certificate. */
  | { readonly kind: 'app'; readonly appId: string; readonly serviceId: number }
  /** No (valid) client certificate. */
  | { readonly kind: 'anonymous' };

export type RequesterKind = Requester['kind'];
export type MemberRequester = Extract<Requester, { kind: 'member' }>;

/**
 * A short description for denial reasons and logs. It leaves out ids: reasons are sent back to the
 * requester in 403 errors, and logs carry the ids separately.
 */
export function describeRequester(requester: Requester): string {
  switch (requester.kind) {
    case 'owner':
      return 'the owner';
    case 'delegate':
      return 'a front end with a scoped token of the owner';
    case 'member':
      return describeMember(requester);
    case 'service':
      return 'the service';
    case 'app':
      return 'an app of the service';
    case 'anonymous':
      return 'an anonymous client';
  }
}

function describeMember(member: MemberRequester): string {
  const link =
    member.relations.length > 0 ? `linked as ${member.relations.join('|')}` : 'without a network link';
  const signature = member.originSignatureVerified ? 'signed origin' : 'no origin signature';
  return `a member ${link} (distance ${member.distance}, ${signature})`;
}
