import { useEffect, useRef, useState } from 'preact/hooks';
import { currentSession, graphqlUrl, messageOf } from '../api.js';
import type { Membership } from '../api.js';

/** GraphiQL on the membership's endpoint, as the owner. */
export function ExplorerPage({ membership, token }: { membership: Membership; token: string }) {
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
