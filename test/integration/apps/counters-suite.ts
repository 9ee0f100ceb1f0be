/**
 * Counter subscriptions (docs/protocol.md, "Counters") over the pod's real WebSocket transport, on the
 * network of review-app.test.ts: B's owner subscribes to `public_assets_counter` with its token in
 * `connection_init` and sees the count grow with each append; a filter on a field that is not a
 * counter, and a requester the contract does not let read, are refused.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Client } from 'graphql-ws';
import type { PodInfo } from '../../fixtures/network-harness.js';
import type { OwnerSession } from '../federation/owner-session.js';
import { firstEvent, wsClient } from '../pod/pod-clients.js';

export interface CounterWorld {
  readonly owner: () => OwnerSession;
  readonly pod: () => PodInfo;
  readonly rootCaPem: () => string;
  readonly serviceId: () => number;
}

/** Waits for the next value of `iterator`, failing after a few seconds. */
async function nextValue<T>(iterator: AsyncIterator<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no counter event')), 5000);
  });
  try {
    const step = await Promise.race([iterator.next(), timeout]);
    assert.equal(step.done, false);
    return step.value;
  } finally {
    clearTimeout(timer);
  }
}

export function countersSuite(world: CounterWorld): void {
  describe('counter subscriptions', () => {
    const client = (connectionParams?: Record<string, unknown>): Client =>
      wsClient(world.pod().webUrl, world.serviceId(), {
        rootCaPem: world.rootCaPem(),
        servername: world.pod().fqdn,
        ...(connectionParams ? { connectionParams } : {}),
      });
    const append = (title: string) =>
      world.owner().data('mutation($input: asset_input!) { append_public_assets(input: $input) { title } }', {
        input: {
          asset_id: randomUUID(),
          created_timestamp: new Date().toISOString(),
          asset_type: 'note',
          title,
        },
      });

    it('sends the owner the count at once and after each append', async () => {
      const owner = client({ authorization: `Bearer ${world.owner().token}` });
      try {
        const counts = owner.iterate<{ public_assets_counter: number }>({
          query: 'subscription { public_assets_counter }',
        });
        const iterator = counts[Symbol.asyncIterator]();
        const start = (await nextValue(iterator)).data?.public_assets_counter;
        assert.equal(typeof start, 'number');
        await append('counted one');
        assert.equal((await nextValue(iterator)).data?.public_assets_counter, (start ?? 0) + 1);
        await append('counted two');
        assert.equal((await nextValue(iterator)).data?.public_assets_counter, (start ?? 0) + 2);
        await iterator.return?.();
      } finally {
        await owner.dispose();
      }
    });

    it('refuses a filter on a field that is not a counter, and a requester who may not read', async () => {
      const owner = client({ authorization: `Bearer ${world.owner().token}` });
      const anonymous = client();
      try {
        const badFilter = await firstEvent(
          owner,
          'subscription { public_assets_counter(filter: {title: {eq: "x"}}) }',
          async () => undefined,
        );
        assert.equal(
          badFilter.errors?.[0]?.extensions?.['code'],
          'BYODA_ERR_FILTER',
          JSON.stringify(badFilter),
        );
        assert.match(badFilter.errors?.[0]?.message ?? '', /filter\.title/);
        const refused = await firstEvent(
          anonymous,
          'subscription { network_links_counter }',
          async () => undefined,
        );
        assert.equal(
          refused.errors?.[0]?.extensions?.['code'],
          'BYODA_ERR_FORBIDDEN',
          JSON.stringify(refused),
        );
      } finally {
        await owner.dispose();
        await anonymous.dispose();
      }
    });
  });
}
