/**
 * Which of this pod's links a recursive query may follow when it forwards for another member (issue
 * 11). Forwarding shows the asker whom the pod is linked to (the origins of the edges and of the
 * errors that come back) and, through `relations`, each link's relation: what a read of the links
 * class would show. A pod must not tell through its fan-out what its contract would not let that
 * member read, so (docs/protocol.md, "Who a pod forwards for"):
 *
 * 1. a member the owner has no link to gets this pod's own answer only: nothing is forwarded, so no
 *    origin of another pod comes back and `relations` selects nothing;
 * 2. a member the contract lets read the links class (its `read` on the class and on `member_id`,
 *    and on `relation` when the query names relations) has the links followed as asked: it could
 *    read them directly;
 * 3. any other linked member has followed only the links of the relations the owner links it with
 *    (a `friend` reaches the owner's other friends, not the family), further narrowed by `relations`:
 *    the owner put it in those circles, and it learns no relation it does not hold itself.
 *
 * What the rule leaves out depends only on the asker and on the query, never on the links there are,
 * so the note it adds to `remote_errors` tells nothing about them either.
 */
import { findClass } from '../contract/index.js';
import type { Contract } from '../contract/index.js';
import { classDecision, fieldDecision } from '../firewall/index.js';
import type { MemberRequester } from '../firewall/index.js';

export interface ForwardScope {
  /** Relations (lower case) whose links may be followed; undefined: every link. */
  readonly relations: ReadonlySet<string> | undefined;
  /** Why some or all of what was asked is not followed, for `remote_errors`; undefined: nothing left out. */
  readonly notice?: string;
}

/** The links a query of `requester` asking `asked` (lower-cased; undefined: every relation) follows. */
export function memberForwardScope(
  contract: Contract,
  linksClassName: string | undefined,
  requester: MemberRequester,
  asked: readonly string[] | undefined,
): ForwardScope {
  if (requester.relations.length === 0) {
    return {
      relations: new Set(),
      notice:
        'not forwarded: this pod forwards queries only for members in its network (a member its ' +
        'owner has a link to)',
    };
  }
  if (mayReadLinks(contract, linksClassName, requester, asked !== undefined)) {
    return { relations: asked === undefined ? undefined : new Set(asked) };
  }
  const own = new Set(requester.relations.map((r) => r.toLowerCase()));
  if (asked === undefined) return { relations: own };
  const outside = asked.filter((relation) => !own.has(relation));
  return {
    relations: new Set(asked.filter((relation) => own.has(relation))),
    ...(outside.length === 0
      ? {}
      : {
          notice:
            `not forwarded along links of relation ${outside.join('|')}: for another member this pod ` +
            'follows only the relations its owner links that member with',
        }),
  };
}

/** Whether the contract lets `requester` read the links (their member ids, and relations if asked). */
function mayReadLinks(
  contract: Contract,
  linksClassName: string | undefined,
  requester: MemberRequester,
  withRelations: boolean,
): boolean {
  const cls = linksClassName === undefined ? undefined : findClass(contract, linksClassName);
  if (!cls || !classDecision(cls, 'read', requester).allowed) return false;
  const readable = (name: string): boolean => {
    const field = cls.fields.find((f) => f.name === name);
    return field !== undefined && fieldDecision(field, 'read', requester).allowed;
  };
  return readable('member_id') && (!withRelations || readable('relation'));
}
