import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse, validate } from 'graphql';
import type { Contract, DataClass } from '../../../src/contract/index.js';
import { findClass, parseContract } from '../../../src/contract/index.js';
import { buildFeedCatchUp, buildFeedSubscription, updatesField } from '../../../src/feeds/index.js';
import { buildMembershipSchema } from '../../../src/graphql/index.js';
import { loadSharedContract, smallContractDocument } from '../../fixtures/contracts.js';
import { exampleContract } from './feed-contracts.js';

function requireClass(contract: Contract, name: string): DataClass {
  const cls = findClass(contract, name);
  assert.ok(cls, `class ${name}`);
  return cls;
}

describe('the feed subscription document (spec §7 X_updates)', () => {
  it('asks <class>_updates for the action and every served field of the followed class', async () => {
    const cls = requireClass(await exampleContract(), 'public_assets');
    assert.equal(updatesField(cls), 'public_assets_updates');
    assert.equal(
      buildFeedSubscription(cls),
      'subscription byoda_feed_public_assets { public_assets_updates { action cursor node { ' +
        'asset_id created_timestamp asset_type title contents asset_url creator keywords } } }',
    );
  });

  it('expands nested objects (also in arrays) and leaves out obsolete fields', () => {
    const document = smallContractDocument();
    const defs = (document['jsonschema'] as Record<string, Record<string, Record<string, unknown>>>)['$defs'];
    const post = defs?.['post']?.['properties'] as Record<string, unknown>;
    post['legacy'] = { type: 'string', '#obsolete': true };
    const cls = requireClass(parseContract(document), 'posts');
    assert.equal(
      buildFeedSubscription(cls),
      'subscription byoda_feed_posts { posts_updates { action cursor node { post_id created kind tags likes ' +
        'author { member_id nick } co_authors { member_id nick } } } }',
    );
  });

  it('asks a page of the class after a cursor, with every served field, to catch up', async () => {
    const cls = requireClass(await exampleContract(), 'public_assets');
    assert.equal(
      buildFeedCatchUp(cls),
      'query byoda_feed_catch_up_public_assets($after: String) { public_assets_connection(first: 100, ' +
        'after: $after) { edges { cursor node { asset_id created_timestamp asset_type title contents ' +
        'asset_url creator keywords } } page_info { end_cursor has_next_page } } }',
    );
  });

  for (const name of ['addressbook', 'byotube'] as const) {
    it(`validates (subscription and catch-up) against the generated schema for every array class of ${name}`, async () => {
      const contract = await loadSharedContract(name);
      const schema = buildMembershipSchema(contract);
      for (const cls of contract.classes.filter((c) => c.kind === 'array')) {
        for (const document of [buildFeedSubscription(cls), buildFeedCatchUp(cls)]) {
          const errors = validate(schema, parse(document));
          assert.deepEqual(
            errors.map((e) => e.message),
            [],
            `${cls.name}: ${document}`,
          );
        }
      }
    });
  }
});
