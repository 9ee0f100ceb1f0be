/**
 * A network query (spec §8): `X_connection` with `depth` and `relations`. The pod answers from its
 * own data and forwards the query to the linked pods; every edge says which member's pod it came from
 * (`origin`) and whether its data signature verified (spec §9: this pod checks remote records itself),
 * and pods that failed are listed with their error.
 */
import { useState } from 'preact/hooks';
import { graphqlRaw, messageOf } from '../api.js';
import type { Membership } from '../api.js';
import { networkMembers } from '../member-names.js';
import type { RemoteError } from '../member-names.js';
import { plainError } from '../plain-errors.js';
import { edgeSelection, RecordTable, shortId, SIGNATURE_COLUMN } from '../records.js';
import type { Edge } from '../records.js';
import { connectionHasRemoteErrors, selectionOf } from '../schema.js';
import type { MembershipSchema } from '../schema.js';

interface QueryResult {
  readonly className: string;
  readonly total: number;
  readonly edges: Edge[];
  readonly remoteErrors: readonly RemoteError[];
  readonly errors: string[];
}

interface QueryPageProps {
  readonly membership: Membership;
  readonly schema: MembershipSchema;
}

export function QueryPage({ membership, schema }: QueryPageProps) {
  const serviceId = membership.service_id;
  const [className, setClassName] = useState(
    schema.classes.find((c) => c.name === 'person')?.name ?? schema.classes[0]?.name ?? '',
  );
  const [depth, setDepth] = useState('1');
  const [relations, setRelations] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<QueryResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());

  const dataClass = schema.classes.find((c) => c.name === className);
  const resultClass = schema.classes.find((c) => c.name === result?.className);

  const run = async (event: Event) => {
    event.preventDefault();
    if (!dataClass) return;
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    const relationList = relations
      .split(',')
      .map((r) => r.trim().toLowerCase())
      .filter((r) => r !== '');
    const field = `${dataClass.name}_connection`;
    const hasRemoteErrors = connectionHasRemoteErrors(schema, field);
    // The names come from a query of their own; asked alongside and awaited before the rows are drawn,
    // so a row never says "name not shared" for a name that was only still on its way.
    const namesOnTheirWay =
      Number(depth) > 0
        ? networkMembers(serviceId, Number(depth)).then(
            (members) => members.names,
            () => undefined,
          )
        : Promise.resolve(undefined);
    try {
      const answer = await graphqlRaw<Record<string, RawConnection | null>>(
        serviceId,
        `query ($depth: Int, $relations: [String!]) {
          ${field}(depth: $depth, relations: $relations, first: 100) {
            total_count
            edges { origin ${edgeSelection(dataClass.signedEdges)} node { ${selectionOf(dataClass.type)} } }
            ${hasRemoteErrors ? 'remote_errors { origin message code }' : ''}
          }
        }`,
        { depth: Number(depth), relations: relationList.length > 0 ? relationList : null },
      );
      const connection = answer.data?.[field];
      const errors = (answer.errors ?? []).map((e) => plainError(e.message, e.extensions?.code).text);
      const found = await namesOnTheirWay;
      if (found) setNames(found);
      if (!connection && errors.length > 0) {
        setError(errors.join('; '));
      } else {
        setResult({
          className: dataClass.name,
          total: connection?.total_count ?? 0,
          edges: connection?.edges ?? [],
          remoteErrors: connection?.remote_errors ?? [],
          errors,
        });
      }
    } catch (err) {
      setError(plainError(messageOf(err)).text);
    } finally {
      setBusy(false);
    }
  };

  const who = (origin: string) =>
    origin === membership.member_id ? 'you' : (names.get(origin) ?? 'name not shared');

  return (
    <section aria-labelledby="query-heading">
      <h2 id="query-heading">Network query</h2>
      <p class="hint">
        Reads a class from your pod and, with a depth of 1 or more, from the pods of the members you are
        linked to (only the links whose relation you list, or all of them).
      </p>
      <form class="inline-form" onSubmit={run} aria-busy={busy}>
        <div class="field">
          <label for="query-class">Class</label>
          <select id="query-class" value={className} onChange={(e) => setClassName(e.currentTarget.value)}>
            {schema.classes.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="query-depth">Depth</label>
          <input
            id="query-depth"
            type="number"
            min={0}
            step={1}
            required
            value={depth}
            onInput={(e) => setDepth(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="query-relations">Relations</label>
          <input
            id="query-relations"
            placeholder="all; or e.g. family, friend"
            aria-describedby="query-relations-hint"
            value={relations}
            onInput={(e) => setRelations(e.currentTarget.value)}
          />
          <small id="query-relations-hint" class="hint">
            Comma-separated; empty for every link.
          </small>
        </div>
        <div class="actions">
          <button type="submit" disabled={busy || !dataClass}>
            Run query
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {result && resultClass && (
        <div class="query-result" aria-live="polite">
          {result.errors.length > 0 && (
            <ul role="alert" class="error">
              {result.errors.map((message, i) => (
                <li key={i}>{message}</li>
              ))}
            </ul>
          )}
          {result.remoteErrors.length > 0 && (
            <ul class="error remote-errors" aria-label="Pods that did not answer">
              {result.remoteErrors.map((e, i) => (
                <li key={i}>
                  {e.origin ? (
                    <>
                      {who(e.origin)} <code title={e.origin}>{shortId(e.origin)}</code>
                    </>
                  ) : (
                    'a pod'
                  )}
                  : {plainError(e.message, e.code).text}
                </li>
              ))}
            </ul>
          )}
          {result.edges.length === 0 ? (
            <div role="status" class="empty">
              <p>
                <strong>No {result.className} records found.</strong>
              </p>
              <p>
                {Number(depth) === 0
                  ? 'Depth 0 reads only your own pod: try depth 1 to ask the members you are linked to.'
                  : 'Neither your pod nor the pods of your links had one you may read. A pod shares a class only with the relations its owner chose (e.g. family and friends), and only if its owner linked you too.'}
              </p>
            </div>
          ) : (
            <RecordTable
              caption={`${result.edges.length} record(s) of ${result.className}, ${result.total} in total`}
              type={resultClass.type}
              edges={result.edges}
              lead={[
                [
                  'Origin',
                  (edge) =>
                    edge.origin ? (
                      <span class="origin">
                        {who(edge.origin)}{' '}
                        <code class="member-id" title={edge.origin}>
                          {shortId(edge.origin)}
                        </code>
                      </span>
                    ) : (
                      <span>anonymous</span>
                    ),
                ],
                ...(resultClass.signedEdges ? [SIGNATURE_COLUMN] : []),
              ]}
            />
          )}
        </div>
      )}
    </section>
  );
}

interface RawConnection {
  readonly total_count: number;
  readonly edges: Edge[];
  readonly remote_errors?: RemoteError[];
}
