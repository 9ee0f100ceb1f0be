/**
 * One membership: its tabs (data, links, query, network, explorer) over the schema the pod serves
 * for it, fetched by introspection once per login.
 */
import { useEffect, useState } from 'preact/hooks';
import { fetchCapabilities, messageOf, serviceName } from '../api.js';
import type { Capabilities, Membership } from '../api.js';
import { shortId } from '../records.js';
import { Link } from '../router.js';
import { loadSchema } from '../schema.js';
import type { MembershipSchema } from '../schema.js';
import { DataPage } from './data.js';
import { ExplorerPage } from './explorer.js';
import { LinksPage } from './links.js';
import { NetworkPage } from './network.js';
import { QueryPage } from './query.js';

const TABS = [
  ['data', 'Data'],
  ['links', 'Network links'],
  ['query', 'Network query'],
  ['network', 'Network picture'],
  ['explorer', 'GraphQL explorer'],
] as const;

export type Tab = (typeof TABS)[number][0];

export interface MembershipPath {
  readonly serviceId: number;
  readonly tab: Tab;
  /** The class of the data tab. */
  readonly className?: string | undefined;
}

/** `/service/<id>/<tab>[/<class>]`, or undefined for any other path. */
export function parseMembershipPath(path: string): MembershipPath | undefined {
  const match = /^\/service\/(\d+)(?:\/([a-z]+)(?:\/([A-Za-z0-9_]+))?)?\/?$/.exec(path);
  if (!match) return undefined;
  const tab = (match[2] ?? 'data') as Tab;
  if (!TABS.some(([t]) => t === tab)) return undefined;
  return { serviceId: Number(match[1]), tab, className: match[3] };
}

interface MembershipPageProps {
  readonly membership: Membership;
  readonly where: MembershipPath;
  readonly token: string;
}

export function MembershipPage({ membership, where, token }: MembershipPageProps) {
  const serviceId = membership.service_id;
  const [schema, setSchema] = useState<MembershipSchema | undefined>();
  const [capabilities, setCapabilities] = useState<Capabilities | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    setError(undefined);
    loadSchema(serviceId, token).then(setSchema, (err: unknown) => setError(messageOf(err)));
    fetchCapabilities(serviceId).then(setCapabilities, (err: unknown) => setError(messageOf(err)));
  }, [serviceId, token]);

  const base = `/service/${serviceId}`;
  let body;
  if (error) {
    body = (
      <p role="alert" class="error">
        Could not read the schema of this membership: {error}
      </p>
    );
  } else if (!schema || !capabilities) {
    body = <p aria-busy="true">Loading…</p>;
  } else {
    switch (where.tab) {
      case 'data':
        body = (
          <DataPage
            membership={membership}
            schema={schema}
            capabilities={capabilities}
            className={where.className}
          />
        );
        break;
      case 'links':
        body = <LinksPage membership={membership} schema={schema} />;
        break;
      case 'query':
        body = <QueryPage membership={membership} schema={schema} />;
        break;
      case 'network':
        body = <NetworkPage membership={membership} schema={schema} capabilities={capabilities} />;
        break;
      case 'explorer':
        body = <ExplorerPage membership={membership} token={token} />;
        break;
    }
  }

  return (
    <section class={`membership tab-${where.tab}`}>
      <h1>
        {serviceName(membership)}{' '}
        <small>
          you are member <code title={membership.member_id}>{shortId(membership.member_id)}</code>
        </small>
      </h1>
      <nav aria-label="Membership" class="tabs">
        <ul>
          {TABS.map(([tab, label]) => (
            <li key={tab}>
              <Link href={`${base}/${tab}`} current={where.tab === tab}>
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {body}
    </section>
  );
}
