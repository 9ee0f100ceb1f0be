/**
 * Pods of the same contract share one GraphQL schema (src/pod/memberships/shared-schema.ts): the same
 * document gives the same schema object, any other document its own, built for that document.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadContractFile, parseContract } from '../../../src/contract/index.js';
import { schemaContractInfo } from '../../../src/graphql/index.js';
import { sharedMembershipSchema } from '../../../src/pod/memberships/shared-schema.js';

const CONTRACT = fileURLToPath(new URL('../../../contracts/addressbook.json', import.meta.url));

describe('shared membership schema', () => {
  it('is one object for two pods that loaded the same contract document', async () => {
    const first = await loadContractFile(CONTRACT);
    const second = await loadContractFile(CONTRACT);
    assert.notEqual(first, second, 'two loads, two contract objects');
    assert.equal(sharedMembershipSchema(first), sharedMembershipSchema(second));
  });

  it('is another schema, of that version, for a document that differs', async () => {
    const current = await loadContractFile(CONTRACT);
    const next = parseContract({ ...current.document, version: current.version + 1 });
    const schema = sharedMembershipSchema(next);
    assert.notEqual(schema, sharedMembershipSchema(current));
    assert.equal(schemaContractInfo(schema)?.version, current.version + 1);
  });
});
