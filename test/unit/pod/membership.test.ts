import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseContract } from '../../../src/contract/index.js';
import { ByodaError } from '../../../src/errors/index.js';
import { smallContractDocument } from '../../fixtures/contracts.js';
import { changedDocument, makeMembership, makeTestNetwork } from './pod-fixtures.js';
import type { TestNetwork } from './pod-fixtures.js';

const v1 = () => parseContract(smallContractDocument());

/** Version 2 of the small contract: one class more. */
const v2 = () =>
  parseContract(
    changedDocument(smallContractDocument(), (doc) => {
      doc['version'] = 2;
      const schema = doc['jsonschema'] as { properties: Record<string, unknown> };
      schema.properties['notes'] = {
        type: 'array',
        '#accesscontrol': { member: { permissions: ['read', 'append'] } },
        items: { $ref: '#/$defs/post' },
      };
    }),
  );

describe('pod: a membership', () => {
  let net: TestNetwork;
  before(async () => {
    net = await makeTestNetwork();
  });
  after(() => net.remove());

  it('serves the member FQDN and a schema built for its contract version', async () => {
    const membership = await makeMembership(net, v1());
    try {
      assert.match(membership.fqdn, /^[0-9a-f-]{36}\.members-4242\.byoda\.test$/);
      assert.equal(membership.snapshot.contract.version, 1);
      assert.ok(membership.snapshot.schema.getQueryType()?.getFields()['posts_connection']);
      assert.equal(membership.snapshot, membership.snapshot, 'built once, not per access');
    } finally {
      await membership.close();
    }
  });

  it('upgrades to a compatible version, keeping its data and rebuilding the schema', async () => {
    const membership = await makeMembership(net, v1());
    try {
      await membership.store.append('posts', { post_id: '33333333-3333-4333-8333-333333333333' });
      const report = await membership.upgrade(v2());
      assert.deepEqual(report.addedClasses, ['notes']);
      assert.equal(membership.contract.version, 2);
      assert.ok(membership.snapshot.schema.getQueryType()?.getFields()['notes_connection']);
      assert.equal(await membership.store.count('posts'), 1);
    } finally {
      await membership.close();
    }
  });

  it('refuses an incompatible version and changes nothing', async () => {
    const membership = await makeMembership(net, v1());
    try {
      const before = membership.snapshot;
      const incompatible = parseContract(
        changedDocument(smallContractDocument(), (doc) => {
          doc['version'] = 2;
          const schema = doc['jsonschema'] as {
            properties: { person: { properties: Record<string, unknown> } };
          };
          schema.properties.person.properties['age'] = { type: 'string' };
        }),
      );
      await assert.rejects(membership.upgrade(incompatible), (err: unknown) => {
        assert.ok(err instanceof ByodaError);
        assert.equal(err.code, 'BYODA_ERR_CONTRACT_INCOMPATIBLE');
        return true;
      });
      assert.equal(membership.snapshot, before);
      assert.equal(membership.store.contract.version, 1);
    } finally {
      await membership.close();
    }
  });
});
