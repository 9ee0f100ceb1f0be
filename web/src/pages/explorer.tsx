/**
 * GraphiQL on the membership's endpoint, as the owner. On a phone GraphiQL's panes do not fit (issue
 * 15), so a narrow screen gets a plain query box with its answer below instead; GraphiQL is one tap
 * away for those who want it anyway.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { currentSession, graphqlRaw, graphqlUrl, messageOf } from '../api.js';
import type { Membership } from '../api.js';

/** Below this width GraphiQL's editor, variables and answer panes are too narrow to use. */
const NARROW = '(max-width: 48rem)';

const EXAMPLE = '{\n  person {\n    given_name\n    family_name\n  }\n}\n';

export function ExplorerPage({ membership, token }: { membership: Membership; token: string }) {
  const [narrow, setNarrow] = useState(() => window.matchMedia(NARROW).matches);
  const [full, setFull] = useState(false);
  useEffect(() => {
    const query = window.matchMedia(NARROW);
    const update = () => setNarrow(query.matches);
    query.addEventListener('change', update);
    return () => query.removeEventListener('change', update);
  }, []);
  if (narrow && !full) return <SimpleQuery serviceId={membership.service_id} onFull={() => setFull(true)} />;
  return <GraphiQLPane membership={membership} token={token} />;
}

function SimpleQuery({ serviceId, onFull }: { serviceId: number; onFull: () => void }) {
  const [query, setQuery] = useState(EXAMPLE);
  const [answer, setAnswer] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const run = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      setAnswer(JSON.stringify(await graphqlRaw(serviceId, query), null, 2));
    } catch (err) {
      setAnswer(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="explorer-heading">
      <h2 id="explorer-heading">GraphQL query</h2>
      <p class="hint">Write a GraphQL query for your pod and run it; the answer shows below.</p>
      <form onSubmit={run} aria-busy={busy}>
        <div class="field">
          <label for="simple-query">Query</label>
          <textarea
            id="simple-query"
            class="code"
            rows={8}
            spellcheck={false}
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </div>
        <div class="actions">
          <button type="submit" disabled={busy}>
            Run
          </button>
          <button type="button" class="secondary" onClick={onFull}>
            Open GraphiQL
          </button>
        </div>
      </form>
      {answer !== undefined && (
        <pre class="answer" aria-label="Answer" tabIndex={0}>
          {answer}
        </pre>
      )}
    </section>
  );
}

function GraphiQLPane({ membership, token }: { membership: Membership; token: string }) {
  const container = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | undefined>();
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let unmount: (() => void) | undefined;
    let cancelled = false;
    import('../graphiql-mount.js')
      .then(({ mountGraphiQL }) => {
        if (cancelled || !container.current) return;
        unmount = mountGraphiQL(container.current, {
          url: graphqlUrl(membership.service_id),
          token: () => currentSession()?.token,
        });
        setReady(true);
      })
      .catch((err: unknown) => setError(messageOf(err)));
    return () => {
      cancelled = true;
      unmount?.();
    };
  }, [membership.service_id, token]);

  return (
    <section aria-labelledby="explorer-heading">
      <h2 id="explorer-heading" class="visually-hidden">
        GraphQL explorer
      </h2>
      {error && (
        <p role="alert" class="error">
          Could not load the explorer: {error}
        </p>
      )}
      {!ready && !error && <p aria-busy="true">Loading the explorer…</p>}
      <div ref={container} class="graphiql-host" />
    </section>
  );
}
