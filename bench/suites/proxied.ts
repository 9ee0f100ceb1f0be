/**
 * A proxied read (spec §8 `remote_member_id`): pod A's owner asks A for a record of pod B, so A signs
 * and forwards the query to B over mutual TLS and relays B's answer; against B's owner reading the
 * same record from B directly (the baseline), in alternating rounds.
 */
import { CONNECTIONS } from '../load/concurrency.js';
import { compare } from '../load/load-generator.js';
import type { LoadSuiteResult } from '../measure.js';
import type { Comparison } from '../stats.js';
import { benchNetwork, loadGenerator } from '../servers/network.js';

const SELECTION = 'edges { node { asset_id created_timestamp asset_type title } }';

export async function proxiedSuite(): Promise<LoadSuiteResult> {
  const { a, b } = await benchNetwork();
  const direct = `{ public_assets_connection(first: 1) { ${SELECTION} } }`;
  const proxied = `{ public_assets_connection(first: 1, remote_member_id: "${b.owner.memberId}") { ${SELECTION} } }`;
  const directAnswer = await b.answer(direct);
  const proxiedAnswer = await a.answer(proxied);
  const comparisons: Comparison[] = [];
  for (const connections of CONNECTIONS) {
    comparisons.push(
      await compare(
        loadGenerator(),
        {
          baseline: {
            name: "B's owner reads B's record directly",
            job: { ...b.job(direct), expectBody: directAnswer.body },
          },
          subject: {
            name: "A's owner reads B's record through A (remote_member_id)",
            job: { ...a.job(proxied), expectBody: proxiedAnswer.body },
          },
        },
        connections,
      ),
    );
  }
  return { benchmark: 'proxied read vs direct read', comparisons, notes: { direct, proxied } };
}
