/** Add, list and remove the owner's network links (`network_links`). */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { messageOf } from '../api.js';
import type { Membership } from '../api.js';
import { addLink, COMMON_RELATIONS, fetchLinks, LINKS_CLASS, removeLink } from '../links.js';
import type { NetworkLink } from '../links.js';
import type { MembershipSchema } from '../schema.js';

const UUID_PATTERN = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

interface LinksPageProps {
  readonly membership: Membership;
  readonly schema: MembershipSchema;
}

export function LinksPage({ membership, schema }: LinksPageProps) {
  if (!schema.classes.some((c) => c.name === LINKS_CLASS && c.kind === 'array')) {
    return <p>This service&apos;s contract has no {LINKS_CLASS} class.</p>;
  }
  return <Links serviceId={membership.service_id} />;
}

function Links({ serviceId }: { serviceId: number }) {
  const [links, setLinks] = useState<NetworkLink[] | undefined>();
  const [memberId, setMemberId] = useState('');
  const [relation, setRelation] = useState('friend');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();

  const reload = useCallback(async () => {
    try {
      setLinks(await fetchLinks(serviceId));
    } catch (err) {
      setError(messageOf(err));
    }
  }, [serviceId]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setStatus(undefined);
    try {
      setStatus(await action());
      await reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const add = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await addLink(serviceId, memberId, relation);
      const added = `Linked ${memberId.trim()} as ${relation.trim().toLowerCase()}.`;
      setMemberId('');
      return added;
    });
  };

  return (
    <section aria-labelledby="links-heading">
      <h2 id="links-heading">Network links</h2>
      <p class="hint">
        The members you know, and what they are to you. Your pod lets a linked member read what the contract
        grants that relation, and forwards your network queries to them.
      </p>
      <form class="inline-form" onSubmit={add} aria-busy={busy}>
        <div class="field">
          <label for="link-member-id">Member id</label>
          <input
            id="link-member-id"
            name="member_id"
            required
            pattern={UUID_PATTERN}
            placeholder="00000000-0000-4000-8000-000000000000"
            value={memberId}
            onInput={(e) => setMemberId(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="link-relation">Relation</label>
          <input
            id="link-relation"
            name="relation"
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
      {status && <p role="status">{status}</p>}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {links === undefined && !error && <p aria-busy="true">Loading…</p>}
      {links && links.length === 0 && <p>You have no network links yet.</p>}
      {links && links.length > 0 && (
        <table class="links">
          <caption>Your network links</caption>
          <thead>
            <tr>
              <th scope="col">Member id</th>
              <th scope="col">Relation</th>
              <th scope="col">Since</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {links.map((link, i) => (
              <tr key={`${link.member_id}-${link.relation}-${i}`}>
                <td>
                  <code>{link.member_id}</code>
                </td>
                <td>{link.relation}</td>
                <td>{link.created_timestamp ? new Date(link.created_timestamp).toLocaleString() : ''}</td>
                <td>
                  <button
                    type="button"
                    class="secondary"
                    disabled={busy}
                    aria-label={`Remove the ${link.relation ?? ''} link to ${link.member_id ?? ''}`}
                    onClick={() =>
                      void run(async () => `Removed ${await removeLink(serviceId, link)} link(s).`)
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
