/**
 * A picture of the owner's network: this member in the middle, an edge to every linked member labelled
 * with its relations (one edge per member, "family, friend"), and the members further away whose
 * pods answered a recursive query (spec §8, up to the contract's depth) on an outer ring. People are
 * shown by the names their pods share (member-names.ts), else by a short id. Drawn with cytoscape
 * (loaded only on this page); the same is listed for screen readers and keyboards.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../api.js';
import type { Capabilities, Membership } from '../api.js';
import { fetchLinks, LINKS_CLASS } from '../links.js';
import type { NetworkLink } from '../links.js';
import { canName, networkMembers } from '../member-names.js';
import type { NetworkMembers } from '../member-names.js';
import { plainError } from '../plain-errors.js';
import { shortId } from '../records.js';
import { Link } from '../router.js';
import type { MembershipSchema } from '../schema.js';

const RELATION_COLOURS: Record<string, string> = {
  family: '#c0392b',
  friend: '#2471a3',
  colleague: '#7d3c98',
  follow: '#1e8449',
};
const OTHER_COLOUR = '#616a6b';

interface NetworkPageProps {
  readonly membership: Membership;
  readonly schema: MembershipSchema;
  readonly capabilities: Capabilities;
}

/** One member of the picture: a direct link (with its relations) or a member further away. */
export interface Person {
  readonly memberId: string;
  readonly name: string | undefined;
  /** Relations of the owner's links to this member; empty for a member further away. */
  readonly relations: readonly string[];
}

function peopleOf(
  links: readonly NetworkLink[],
  members: NetworkMembers | undefined,
  self: string,
): Person[] {
  const byMember = new Map<string, Set<string>>();
  for (const link of links) {
    if (!link.member_id) continue;
    const set = byMember.get(link.member_id) ?? new Set<string>();
    if (link.relation) set.add(link.relation);
    byMember.set(link.member_id, set);
  }
  const direct = [...byMember].map(([memberId, relations]) => ({
    memberId,
    name: members?.names.get(memberId),
    relations: [...relations].sort(),
  }));
  const further = [...(members?.answered ?? [])]
    .filter((id) => id !== self && !byMember.has(id))
    .map((memberId) => ({ memberId, name: members?.names.get(memberId), relations: [] }));
  return [...direct, ...further];
}

export function NetworkPage({ membership, schema, capabilities }: NetworkPageProps) {
  const [links, setLinks] = useState<NetworkLink[] | undefined>();
  const [members, setMembers] = useState<NetworkMembers | undefined>();
  const [error, setError] = useState<string | undefined>();
  const hasLinks = schema.classes.some((c) => c.name === LINKS_CLASS);
  const named = canName(schema.classes.map((c) => c.name));
  const depth = Math.max(1, capabilities.max_query_depth);

  useEffect(() => {
    if (!hasLinks) return;
    fetchLinks(membership.service_id).then(setLinks, (err: unknown) => setError(messageOf(err)));
  }, [membership.service_id, hasLinks]);

  useEffect(() => {
    if (!named || !links || links.length === 0) return;
    networkMembers(membership.service_id, depth).then(setMembers, () => undefined);
  }, [membership.service_id, named, links, depth]);

  if (!hasLinks) return <p>This service&apos;s contract has no {LINKS_CLASS} class.</p>;
  const people = links ? peopleOf(links, members, membership.member_id) : [];
  const direct = people.filter((p) => p.relations.length > 0);
  const further = people.filter((p) => p.relations.length === 0);
  return (
    <section aria-labelledby="network-heading">
      <h2 id="network-heading">Your network</h2>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {links === undefined && !error && <p aria-busy="true">Loading…</p>}
      {links && links.length === 0 && (
        <div class="empty" role="status">
          <p>
            <strong>Your network is empty.</strong> The picture shows the members you are linked to, and the
            members they link to in turn.
          </p>
          <p>
            <Link href={`/service/${membership.service_id}/links`}>Add a network link</Link> to someone you
            know (you can find them by their email address).
          </p>
        </div>
      )}
      {links && links.length > 0 && (
        <>
          <p class="hint">
            {members
              ? `Members up to ${depth} step(s) away whose pods answered; names are those their pods share with you.`
              : named
                ? 'Asking the linked pods for names…'
                : ''}
          </p>
          <Graph memberId={membership.member_id} people={people} />
          <Legend people={direct} further={further.length > 0} />
          <h3>Linked to you</h3>
          <PeopleList people={direct} />
          {further.length > 0 && (
            <>
              <h3>Further away (through your links)</h3>
              <PeopleList people={further} />
            </>
          )}
          {members && members.failed.length > 0 && (
            <ul class="error remote-errors" aria-label="Pods that did not answer">
              {members.failed.map((f, i) => (
                <li key={i}>
                  {f.origin ? <code title={f.origin}>{shortId(f.origin)}</code> : 'a pod'}:{' '}
                  {plainError(f.message, f.code).text}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function PeopleList({ people }: { people: readonly Person[] }) {
  return (
    <ul class="cards people">
      {people.map((p) => (
        <li key={p.memberId} class="card">
          <strong>{p.name ?? 'Name not shared'}</strong>{' '}
          <code class="member-id" title={p.memberId}>
            {shortId(p.memberId)}
          </code>
          {p.relations.length > 0 && <span class="relation"> {p.relations.join(', ')}</span>}
        </li>
      ))}
    </ul>
  );
}

function Legend({ people, further }: { people: readonly Person[]; further: boolean }) {
  const relations = [...new Set(people.flatMap((p) => p.relations))].sort();
  if (relations.length === 0) return null;
  return (
    <ul class="legend" aria-label="Relations">
      {relations.map((r) => (
        <li key={r} class={`legend-${RELATION_COLOURS[r] ? r : 'other'}`}>
          {r}
        </li>
      ))}
      {further && <li class="legend-further">further away</li>}
    </ul>
  );
}

/** A node's label: the name on one line, the short id under it; a long name is cut. */
function nodeLabel(person: Person): string {
  const name = person.name && person.name.length > 18 ? `${person.name.slice(0, 17)}…` : person.name;
  return name ? `${name}\n${person.memberId.slice(0, 8)}` : person.memberId.slice(0, 8);
}

function Graph({ memberId, people }: { memberId: string; people: readonly Person[] }) {
  const container = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let destroyed = false;
    let destroy: (() => void) | undefined;
    void import('cytoscape')
      .then(({ default: cytoscape }) => {
        if (destroyed || !container.current) return;
        preventStyleInjection();
        const cy = cytoscape({
          container: container.current,
          elements: [
            { data: { id: 'owner', label: `you\n${memberId.slice(0, 8)}` }, classes: 'owner' },
            ...people.map((p) => ({
              data: { id: `m-${p.memberId}`, label: nodeLabel(p) },
              classes: p.relations.length > 0 ? 'direct' : 'further',
            })),
            ...people.map((p) => ({
              data: {
                id: `e-${p.memberId}`,
                source: 'owner',
                target: `m-${p.memberId}`,
                label: p.relations.join(', '),
                colour:
                  p.relations.length === 1
                    ? (RELATION_COLOURS[p.relations[0] ?? ''] ?? OTHER_COLOUR)
                    : OTHER_COLOUR,
              },
              classes: p.relations.length > 0 ? 'direct' : 'further',
            })),
          ],
          style: [
            {
              selector: 'node',
              style: {
                label: 'data(label)',
                'text-wrap': 'wrap',
                // Beside the node, not under it, where an edge to the node above would run through it.
                'text-valign': 'center',
                'text-halign': 'right',
                'text-margin-x': 6,
                'font-size': 12,
                color: '#1c2833',
                'text-background-color': '#ffffff',
                'text-background-opacity': 0.9,
                'text-background-padding': '2px',
                'background-color': '#aed6f1',
                'border-width': 1,
                'border-color': '#566573',
                width: 34,
                height: 34,
              },
            },
            {
              selector: 'node.owner',
              style: { 'background-color': '#f9e79f', 'border-width': 2, width: 44, height: 44 },
            },
            { selector: 'node.further', style: { 'background-color': '#e5e8e8', 'border-style': 'dashed' } },
            {
              selector: 'edge',
              style: {
                label: 'data(label)',
                'font-size': 12,
                'line-color': 'data(colour)',
                'target-arrow-color': 'data(colour)',
                'target-arrow-shape': 'triangle',
                'curve-style': 'straight',
                'text-rotation': 'none',
                'text-background-color': '#ffffff',
                'text-background-opacity': 1,
                'text-background-padding': '2px',
                width: 2,
              },
            },
            {
              selector: 'edge.further',
              style: { 'line-style': 'dashed', 'line-color': '#aab7b8', 'target-arrow-color': '#aab7b8' },
            },
          ],
          layout:
            people.length > 0
              ? {
                  name: 'concentric',
                  minNodeSpacing: 110,
                  concentric: (node) => (node.id() === 'owner' ? 3 : node.hasClass('direct') ? 2 : 1),
                  levelWidth: () => 1,
                  padding: 40,
                }
              : { name: 'grid' },
          userZoomingEnabled: false,
          boxSelectionEnabled: false,
        });
        destroy = () => cy.destroy();
      })
      .catch((err: unknown) => setError(messageOf(err)));
    return () => {
      destroyed = true;
      destroy?.();
    };
  }, [memberId, people]);

  return (
    <>
      {error && (
        <p role="alert" class="error">
          Could not draw the network: {error}
        </p>
      )}
      <div
        ref={container}
        class="network-graph"
        role="img"
        aria-label={`You and ${people.length} member(s) of your network; listed below`}
      />
    </>
  );
}

/**
 * Cytoscape adds a `<style>` element (`position: relative` for its container) unless one with its id
 * exists. The pod's Content-Security-Policy refuses inline styles, so style.css has that rule and this
 * placeholder tells cytoscape it is there.
 */
function preventStyleInjection(): void {
  const id = '__________cytoscape_stylesheet';
  if (document.getElementById(id)) return;
  const marker = document.createElement('meta');
  marker.id = id;
  document.head.appendChild(marker);
}
