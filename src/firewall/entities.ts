/**
 * Which contract entities (spec §5) a requester is. A rule for an entity grants to everyone this maps
 * to that entity; the order is narrowest first so that a decision names the most specific grant.
 */
import type { Entity } from '../contract/index.js';
import type { Requester } from './requester.js';

/**
 * - The owner is `member`. `any_member` and `anonymous` rules grant to a wider audience than the
 *   owner, so the owner has them too: the owner may do anything any audience may. The owner is not
 *   `network` (nobody is linked to themselves) nor `service`. A delegate (a scoped token) has the
 *   owner's entities; its scope narrows them per class and action (decide.ts).
 * - Another member is `any_member` and, like everyone, `anonymous`; it is `network` only when the
 *   owner has a network link to it (spec §6: "with or without a network link").
 * - The service is `service` and `anonymous`; an app of the service `app` and `anonymous` (a rule's
 *   `app_ids` may narrow an `app` rule to named apps, conditions.ts); an anonymous client only
 *   `anonymous`.
 */
export function entitiesOf(requester: Requester): readonly Entity[] {
  switch (requester.kind) {
    case 'owner':
    case 'delegate':
      return OWNER_ENTITIES;
    case 'member':
      return requester.relations.length > 0 ? LINKED_MEMBER_ENTITIES : UNLINKED_MEMBER_ENTITIES;
    case 'service':
      return SERVICE_ENTITIES;
    case 'app':
      return APP_ENTITIES;
    case 'anonymous':
      return ANONYMOUS_ENTITIES;
  }
}

const OWNER_ENTITIES: readonly Entity[] = Object.freeze(['member', 'any_member', 'anonymous']);
const LINKED_MEMBER_ENTITIES: readonly Entity[] = Object.freeze(['network', 'any_member', 'anonymous']);
const UNLINKED_MEMBER_ENTITIES: readonly Entity[] = Object.freeze(['any_member', 'anonymous']);
const SERVICE_ENTITIES: readonly Entity[] = Object.freeze(['service', 'anonymous']);
const APP_ENTITIES: readonly Entity[] = Object.freeze(['app', 'anonymous']);
const ANONYMOUS_ENTITIES: readonly Entity[] = Object.freeze(['anonymous']);
