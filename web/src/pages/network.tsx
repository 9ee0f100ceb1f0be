/**
 * A picture of the owner's network: this member in the middle, an edge to every linked member labelled
 * with the relation. Drawn with cytoscape (loaded only on this page); the same links are listed in a
 * table for screen readers and keyboards.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../api.js';
import type { Membership } from '../api.js';
import { fetchLinks, LINKS_CLASS } from '../links.js';
import type { NetworkLink } from '../links.js';
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
}

export function NetworkPage({ membership, schema }: NetworkPageProps) {
  const [links, setLinks] = useState<NetworkLink[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const hasLinks = schema.classes.some((c) => c.name === LINKS_CLASS);

  useEffect(() => {
    if (!hasLinks) return;
    fetchLinks(membership.service_id).then(setLinks, (err: unknown) => setError(messageOf(err)));
  }, [membership.service_id, hasLinks]);

  if (!hasLinks) return <p>This service&apos;s contract has no {LINKS_CLASS} class.</p>;
  return (
    <section aria-labelledby="network-heading">
      <h2 id="network-heading">Your network</h2>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {links === undefined && !error && <p aria-busy="true">Loading…</p>}
      {links && (
        <>
          <Graph memberId={membership.member_id} links={links} />
          <Legend links={links} />
          <table>
            <caption>
              You ({membership.member_id}) have {links.length} link(s)
            </caption>
            <thead>
              <tr>
                <th scope="col">Member id</th>
                <th scope="col">Relation</th>
              </tr>
            </thead>
            <tbody>
              {links.map((link, i) => (
                <tr key={i}>
                  <td>
                    <code>{link.member_id}</code>
                  </td>
                  <td>{link.relation}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function Legend({ links }: { links: readonly NetworkLink[] }) {
  const relations = [...new Set(links.map((l) => l.relation ?? ''))].sort();
  if (relations.length === 0) return null;
  return (
    <ul class="legend" aria-label="Relations">
      {relations.map((r) => (
        <li key={r} class={`legend-${RELATION_COLOURS[r] ? r : 'other'}`}>
          {r}
        </li>
      ))}
    </ul>
  );
}

function short(id: string): string {
  return id.slice(0, 8);
}

function Graph({ memberId, links }: { memberId: string; links: readonly NetworkLink[] }) {
  const container = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let destroyed = false;
    let destroy: (() => void) | undefined;
    void import('cytoscape')
      .then(({ default: cytoscape }) => {
        if (destroyed || !container.current) return;
        preventStyleInjection();
        const members = [...new Set(links.map((l) => l.member_id ?? ''))].filter((id) => id !== '');
        const cy = cytoscape({
          container: container.current,
          elements: [
            { data: { id: 'owner', label: `you\n${short(memberId)}` }, classes: 'owner' },
            ...members.map((id) => ({ data: { id: `m-${id}`, label: short(id) } })),
            ...links
              .filter((l) => l.member_id)
              .map((l, i) => ({
                data: {
                  id: `e-${i}`,
                  source: 'owner',
                  target: `m-${l.member_id ?? ''}`,
                  label: l.relation ?? '',
                  colour: RELATION_COLOURS[l.relation ?? ''] ?? OTHER_COLOUR,
                },
              })),
          ],
          style: [
            {
              selector: 'node',
              style: {
                label: 'data(label)',
                'text-wrap': 'wrap',
                'text-valign': 'center',
                'font-size': 11,
                'background-color': '#e5e8e8',
                'border-width': 1,
                'border-color': '#566573',
                width: 64,
                height: 64,
              },
            },
            {
              selector: 'node.owner',
              style: { 'background-color': '#f9e79f', 'border-width': 2, width: 80, height: 80 },
            },
            {
              selector: 'edge',
              style: {
                label: 'data(label)',
                'font-size': 11,
                'line-color': 'data(colour)',
                'target-arrow-color': 'data(colour)',
                'target-arrow-shape': 'triangle',
                'curve-style': 'bezier',
                'text-background-color': '#ffffff',
                'text-background-opacity': 1,
                width: 2,
              },
            },
          ],
          layout:
            members.length > 0
              ? {
                  name: 'concentric',
                  minNodeSpacing: 60,
                  concentric: (node) => (node.id() === 'owner' ? 2 : 1),
                  levelWidth: () => 1,
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
  }, [memberId, links]);

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
        aria-label={`You and the ${links.length} member link(s) of your network; listed in the table below`}
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
