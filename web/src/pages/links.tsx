/**
 * Add, list and remove the owner's network links (`network_links`), and find a member to link by their
 * email address: the service's search (docs/protocol.md "Search"), asked through the pod, which is a
 * member of the service and so may search for its owner. People know emails, not member ids.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, searchMembers } from '../api.js';
import type { Membership } from '../api.js';
import { addLink, COMMON_RELATIONS, fetchLinks, LINKS_CLASS, removeLink } from '../links.js';
import type { NetworkLink } from '../links.js';
import { canName, checkMember, forgetNetworkMembers, networkMembers } from '../member-names.js';
import { plainError } from '../plain-errors.js';
import { shortId } from '../records.js';
import { fetchLinkLabels, removeLinkLabel, saveLinkLabel } from '../link-labels.js';
import { LinkCard } from './link-card.js';
import { connectionHasRemoteErrors } from '../schema.js';
import type { MembershipSchema } from '../schema.js';

/** The class a member check asks a pod for: one anybody may read, so any running pod answers. */
function probeClass(schema: MembershipSchema): string {
  const names = schema.classes.map((c) => c.name);
  return names.includes('public_assets') ? 'public_assets' : (names[0] ?? 'person');
}

const UUID_PATTERN = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/** The field people are found by (the addressbook's `person.email`, which grants the service `search`). */
const SEARCH_CLASS = 'person';
const SEARCH_FIELD = 'email';

interface LinksPageProps {
  readonly membership: Membership;
  readonly schema: MembershipSchema;
}

export function LinksPage({ membership, schema }: LinksPageProps) {
  if (!schema.classes.some((c) => c.name === LINKS_CLASS && c.kind === 'array')) {
    return <p>This service&apos;s contract has no {LINKS_CLASS} class.</p>;
  }
  const person = schema.classes.find((c) => c.name === SEARCH_CLASS);
  const searchable = person !== undefined && SEARCH_FIELD in person.type.getFields();
  const named = canName(schema.classes.map((c) => c.name));
  return (
    <Links
      serviceId={membership.service_id}
      searchable={searchable}
      named={named}
      probe={probeClass(schema)}
      probeRemoteErrors={connectionHasRemoteErrors(schema, `${probeClass(schema)}_connection`)}
    />
  );
}

interface LinksProps {
  readonly serviceId: number;
  readonly searchable: boolean;
  /** The contract has a person class: linked members' names can be asked for. */
  readonly named: boolean;
  readonly probe: string;
  /** The probe's connection lists pods that did not answer (`remote_errors`). */
  readonly probeRemoteErrors: boolean;
}

function Links({ serviceId, searchable, named, probe, probeRemoteErrors }: LinksProps) {
  const [links, setLinks] = useState<NetworkLink[] | undefined>();
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  /** The owner's own labels (link-labels.ts); `names` has them too, over the names pods share. */
  const [labels, setLabels] = useState<ReadonlyMap<string, string>>(new Map());
  const [sharedNames, setSharedNames] = useState<ReadonlyMap<string, string>>(new Map());
  /** A member whose pod did not answer the check: the owner confirms or gives up. */
  const [unanswered, setUnanswered] = useState<{ memberId: string; why: string } | undefined>();
  const [memberId, setMemberId] = useState('');
  const relationInput = useRef<HTMLInputElement>(null);
  const [relation, setRelation] = useState('friend');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();

  const reload = useCallback(async () => {
    try {
      const [fetched, owned] = await Promise.all([
        fetchLinks(serviceId),
        fetchLinkLabels(serviceId).catch(() => new Map<string, string>()),
      ]);
      setLabels(owned);
      setLinks(fetched);
    } catch (err) {
      setError(messageOf(err));
    }
  }, [serviceId]);

  useEffect(() => {
    void reload();
  }, [reload]);

  useEffect(() => {
    if (!named || !links || links.length === 0) return;
    networkMembers(serviceId, 1).then(
      (members) => {
        setNames(members.names);
        setSharedNames(members.sharedNames);
      },
      () => undefined, // names are a help; the ids are still shown
    );
  }, [serviceId, named, links]);

  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setStatus(undefined);
    try {
      setStatus(await action());
      await reload();
    } catch (err) {
      setError(plainError(messageOf(err)).text);
    } finally {
      setBusy(false);
    }
  };

  const store = async (id: string): Promise<string> => {
    await addLink(serviceId, id, relation);
    forgetNetworkMembers();
    setMemberId('');
    setUnanswered(undefined);
    return `Linked ${id} as ${relation.trim().toLowerCase()}.`;
  };

  /** Checks that the member's pod exists and answers before storing the link (issue 15). */
  const add = (event: Event) => {
    event.preventDefault();
    const id = memberId.trim().toLowerCase();
    if (!new RegExp(`^${UUID_PATTERN}$`).test(id)) {
      setError(
        'A member id is a UUID like 3f2b8c1e-0a4d-4c2b-9f1e-2d3c4b5a6f70: find the member by email above.',
      );
      return;
    }
    void run(async () => {
      const why = await checkMember(serviceId, id, probe, probeRemoteErrors);
      if (why === undefined) return store(id);
      setUnanswered({ memberId: id, why: plainError(why).text });
      return '';
    });
  };

  /** Fills the add-link form with a member found by email; the owner picks the relation and adds. */
  const use = (found: string) => {
    setMemberId(found);
    setError(undefined);
    setStatus(`Member ${found} is filled in below: choose the relation and add the link.`);
    relationInput.current?.focus();
  };

  return (
    <section aria-labelledby="links-heading">
      <h2 id="links-heading">Network links</h2>
      <p class="hint">
        The members you know, and what they are to you. Your pod lets a linked member read what the contract
        grants that relation, and forwards your network queries to them.
      </p>
      {searchable && <FindByEmail serviceId={serviceId} onUse={use} />}
      <form class="inline-form" onSubmit={add} aria-busy={busy}>
        <div class="field">
          <label for="link-member-id">Member id</label>
          <input
            id="link-member-id"
            name="member_id"
            required
            spellcheck={false}
            autocomplete="off"
            placeholder="3f2b8c1e-0a4d-4c2b-9f1e-2d3c4b5a6f70"
            value={memberId}
            onInput={(e) => {
              setMemberId(e.currentTarget.value);
              setUnanswered(undefined);
            }}
          />
        </div>
        <div class="field">
          <label for="link-relation">Relation</label>
          <input
            id="link-relation"
            name="relation"
            ref={relationInput}
            required
            list="link-relations"
            value={relation}
            onInput={(e) => setRelation(e.currentTarget.value)}
          />
          <datalist id="link-relations">
            {COMMON_RELATIONS.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
        </div>
        <div class="actions">
          <button type="submit" disabled={busy}>
            Add link
          </button>
        </div>
      </form>
      {unanswered && (
        <div role="alert" class="warning" aria-labelledby="unanswered-heading">
          <p id="unanswered-heading">
            <strong>The pod of member {unanswered.memberId} does not answer.</strong> {unanswered.why}
          </p>
          <p>
            Check the id (find the member by email above). If their pod is only offline, you can add the link
            anyway: your network queries will say that it did not answer.
          </p>
          <div class="actions">
            <button
              type="button"
              class="secondary"
              disabled={busy}
              onClick={() => void run(() => store(unanswered.memberId))}
            >
              Add the link anyway
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => setUnanswered(undefined)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {status && <p role="status">{status}</p>}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {links === undefined && !error && <p aria-busy="true">Loading…</p>}
      {links && links.length === 0 && <p>You have no network links yet.</p>}
      {links && links.length > 0 && (
        <ul class="cards links" aria-label="Your network links">
          {links.map((link, i) => {
            const id = link.member_id ?? '';
            return (
              <LinkCard
                key={`${id}-${link.relation}-${i}`}
                link={link}
                label={labels.get(id)}
                name={labels.has(id) ? sharedNames.get(id) : names.get(id)}
                busy={busy}
                onLabel={(memberId, label) =>
                  void run(async () => {
                    const stored = await saveLinkLabel(serviceId, memberId, label);
                    forgetNetworkMembers();
                    return `${shortId(memberId)} is labelled ${stored}.`;
                  })
                }
                onUnlabel={(memberId) =>
                  void run(async () => {
                    await removeLinkLabel(serviceId, memberId);
                    forgetNetworkMembers();
                    return `Removed your label for ${shortId(memberId)}.`;
                  })
                }
                onRemove={(removing) =>
                  void run(async () => {
                    const removed = await removeLink(serviceId, removing);
                    forgetNetworkMembers();
                    return `Removed ${removed} link(s).`;
                  })
                }
              />
            );
          })}
        </ul>
      )}
    </section>
  );
}

/**
 * "Find a member by email": the member ids the service finds for `person.email` (exact and
 * case-insensitive in the addressbook), each with a button that fills the add-link form.
 */
function FindByEmail({ serviceId, onUse }: { serviceId: number; onUse: (memberId: string) => void }) {
  const [email, setEmail] = useState('');
  const [found, setFound] = useState<{ email: string; memberIds: string[] } | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const find = (event: Event) => {
    event.preventDefault();
    const value = email.trim();
    setBusy(true);
    setError(undefined);
    setFound(undefined);
    searchMembers(serviceId, SEARCH_CLASS, SEARCH_FIELD, value)
      .then((memberIds) => setFound({ email: value, memberIds }))
      .catch((err: unknown) => setError(messageOf(err)))
      .finally(() => setBusy(false));
  };

  return (
    <section aria-labelledby="find-heading">
      <h3 id="find-heading">Find a member by email</h3>
      <p class="hint">
        Your pod asks the service, which knows the email addresses that members&apos; pods let it search. It
        answers member ids, nothing else.
      </p>
      <form class="inline-form" onSubmit={find} aria-busy={busy}>
        <div class="field">
          <label for="find-email">Email address</label>
          <input
            id="find-email"
            name="email"
            type="email"
            required
            maxLength={256}
            placeholder="friend@example.org"
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </div>
        <div class="actions">
          <button type="submit" disabled={busy}>
            Find
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {found && found.memberIds.length === 0 && (
        <p role="status">No member of this service has the email address {found.email}.</p>
      )}
      {found && found.memberIds.length > 0 && (
        <ul class="found-members" aria-label={`Members with the email address ${found.email}`}>
          {found.memberIds.map((id) => (
            <li key={id}>
              <code class="member-id">{id}</code>{' '}
              <button
                type="button"
                class="secondary"
                aria-label={`Use in the link form: ${id}`}
                onClick={() => onUse(id)}
              >
                Use in the link form
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
