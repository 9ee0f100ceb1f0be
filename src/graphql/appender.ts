/**
 * Who wrote a record (issue 11): every `append_X` and `mutate_X` is stored with its authenticated
 * appender, the member id of the client certificate (the membership's own id for the owner), and a
 * write by another member may not claim to come from someone else. Rules in docs/protocol.md, "Appends
 * by other members".
 *
 * **Sender fields.** In a record another member writes, a top-level `member_id` field of type uuid
 * names the member it comes from (`network_invites`, `network_links_inbound`: "the member who sent
 * the invite", "the member who made the link"). Such a value must be the writer's own member id; any
 * other is refused before storage is touched. The owner's writes are not checked: in the owner's own
 * records `member_id` names whom a record is about (a `network_links` target), not who wrote it.
 */
import type { DataClass, Field } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import type { Requester } from '../firewall/index.js';
import { canonicalUuid, type RecordInput } from '../storage/index.js';

/** The field name that, in a record written by another member, names its sender. */
export const SENDER_FIELD = 'member_id';

/** The member id a write by `requester` is stored with; undefined for the service and anonymous. */
export function appenderOf(requester: Requester, memberId: string): string | undefined {
  // A delegate writes for the owner, with the owner's token's scope: the owner's own write.
  if (requester.kind === 'owner' || requester.kind === 'delegate') return memberId;
  if (requester.kind === 'member') return requester.memberId;
  return undefined;
}

/** The class's sender field, when it has one (top-level, scalar uuid, named `member_id`). */
export function senderField(cls: DataClass): Field | undefined {
  const field = cls.fields.find((f) => f.name === SENDER_FIELD);
  return field?.type.kind === 'scalar' && field.type.scalar === 'uuid' ? field : undefined;
}

/**
 * Refuses (400 `BYODA_ERR_VALUE`, naming the field) a write by another member whose sender field
 * holds another member's id than the client certificate's. `null` (clearing it in an update) is
 * refused too: a record from a member must keep saying so. Absent is left to `required`.
 */
export function assertSenderFields(cls: DataClass, input: RecordInput, requester: Requester): void {
  if (requester.kind !== 'member') return;
  const field = senderField(cls);
  if (!field || !Object.hasOwn(input, field.name)) return;
  const value = input[field.name];
  const claimed = typeof value === 'string' ? canonicalUuid(value) : undefined;
  if (claimed !== undefined && claimed === canonicalUuid(requester.memberId)) return;
  throw new ByodaError(
    'BYODA_ERR_VALUE',
    `${cls.name}.${field.name}: must be the sending member's own id, the member of its client ` +
      'certificate (a record cannot be sent in another member’s name)',
  );
}
