/**
 * The conditions a permission may carry beyond its action (spec §5, §6): the relation of the network
 * link, the distance in hops, and an origin signature. Each check returns why the condition is not
 * met, or undefined when it is, so that a denial can say exactly what was missing.
 */
import type { Entity, Permission } from '../contract/index.js';
import type { MemberRequester, Requester } from './requester.js';

/**
 * The parser sets `distance` on every network permission except `search` (which may not have one);
 * for such a permission we assume the same default, one hop, rather than no limit.
 */
const DEFAULT_NETWORK_DISTANCE = 1;

/** Why `permission`, given to `entity`, does not hold for `requester`; undefined when it holds. */
export function unmetCondition(
  entity: Entity,
  permission: Permission,
  requester: Requester,
): string | undefined {
  if (entity === 'network') return unmetLink(permission, requester) ?? unmetSignature(permission, requester);
  if (entity === 'app') return unmetApp(permission, requester) ?? unmetSignature(permission, requester);
  return unmetSignature(permission, requester);
}

/** `app` rules with `app_ids`: only the named apps. */
function unmetApp(permission: Permission, requester: Requester): string | undefined {
  if (permission.appIds === undefined) return undefined;
  if (requester.kind === 'app' && permission.appIds.includes(requester.appId)) return undefined;
  return `is given only to the apps ${permission.appIds.join('|')}`;
}

/** `network` rules: a link with one of the rule's relations, within the rule's distance. */
function unmetLink(permission: Permission, requester: Requester): string | undefined {
  if (requester.kind !== 'member' || requester.relations.length === 0) return 'needs a network link';
  return unmetRelation(permission, requester) ?? unmetDistance(permission, requester);
}

/** An absent `relation` covers links of any relation; relations compare lower-cased (spec §5). */
function unmetRelation(permission: Permission, member: MemberRequester): string | undefined {
  if (permission.relations === undefined) return undefined;
  const covered = new Set(permission.relations.map((relation) => relation.toLowerCase()));
  if (member.relations.some((relation) => covered.has(relation.toLowerCase()))) return undefined;
  return `needs a link with relation ${permission.relations.join('|')}, not ${member.relations.join('|')}`;
}

/** spec §6: the depth of a proxied query counts as distance; a rule covers at most its `distance` hops. */
function unmetDistance(permission: Permission, member: MemberRequester): string | undefined {
  const limit = permission.distance ?? DEFAULT_NETWORK_DISTANCE;
  if (member.distance <= limit) return undefined;
  return `covers distance ${limit}, the request comes from distance ${member.distance}`;
}

/**
 * `source_signature_required` (spec §8) holds for any entity's rule: a member must present a verified
 * origin signature. The owner (and a delegate of the owner) is never blocked by it, as the request is
 * the owner's own. The service
 * and anonymous clients cannot sign an origin (it takes a member data key), so such a rule never
 * grants to them; this keeps "whatever anonymous may, everyone may" true.
 */
function unmetSignature(permission: Permission, requester: Requester): string | undefined {
  if (!permission.sourceSignatureRequired || requester.kind === 'owner' || requester.kind === 'delegate') {
    return undefined;
  }
  if (requester.kind === 'member') {
    return requester.originSignatureVerified ? undefined : 'needs a verified origin signature';
  }
  return 'needs a verified origin signature, which only a member can give';
}
