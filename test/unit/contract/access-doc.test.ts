/**
 * docs/protocol.md ("Consequences for the addressbook contract") says who may do what in the example
 * contract. Its table is generated from the contract (`npm run docs:access`): this fails when the two
 * disagree, and checks the doc's prose claims against the contract as well.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { accessTable, findClass, loadContractFile, parseContract } from '../../../src/contract/index.js';
import type { AccessRules, Contract } from '../../../src/contract/index.js';
import { smallContractDocument } from '../../fixtures/contracts.js';
import {
  EXAMPLE_CONTRACT,
  PROTOCOL_DOC,
  exampleAccessTable,
  tableInDoc,
  withTable,
} from '../../../scripts/docs-access.js';

function actionsOf(rules: AccessRules, entity: keyof AccessRules): string[] {
  return (rules[entity] ?? []).map((permission) => permission.action);
}

describe('the access table of docs/protocol.md', () => {
  it('is the one generated from contracts/addressbook.json (else run npm run docs:access)', async () => {
    const doc = await readFile(PROTOCOL_DOC, 'utf8');
    assert.equal(tableInDoc(doc), await exampleAccessTable(), 'run `npm run docs:access`');
  });

  it('holds what the doc’s prose says about the contract', async () => {
    const contract: Contract = await loadContractFile(EXAMPLE_CONTRACT);
    const person = findClass(contract, 'person');
    assert.ok(person);
    const email = person.fields.find((field) => field.name === 'email');
    assert.ok(email);
    // The service may search email and read no person field.
    assert.deepEqual(actionsOf(email.rules, 'service'), ['search']);
    for (const rules of [person.rules, ...person.fields.map((field) => field.rules)]) {
      assert.ok(!actionsOf(rules, 'service').includes('read'));
    }
    // Friends and family read person and email at distance 1, without an origin signature.
    for (const rules of [person.rules, email.rules]) {
      const read = (rules.network ?? []).find((permission) => permission.action === 'read');
      assert.ok(read);
      assert.equal(read.distance, 1);
      assert.deepEqual([...(read.relations ?? [])].sort(), ['family', 'friend']);
    }
    const anyRule = contract.classes.flatMap((c) => [c.rules, ...c.fields.map((f) => f.rules)]);
    assert.ok(
      anyRule.every((rules) =>
        Object.values(rules)
          .flat()
          .every((p) => !p?.sourceSignatureRequired),
      ),
    );
    assert.deepEqual(actionsOf(findClass(contract, 'public_assets')!.rules, 'anonymous'), [
      'read',
      'subscribe',
    ]);
    // Apps (a moderation app) read incoming_assets, which no other member nor anonymous client may.
    const incoming = findClass(contract, 'incoming_assets')!;
    assert.deepEqual(actionsOf(incoming.rules, 'app'), ['read']);
    assert.ok((incoming.rules.app ?? []).every((permission) => permission.appIds === undefined));
    for (const entity of ['network', 'any_member', 'anonymous'] as const) {
      assert.deepEqual(actionsOf(incoming.rules, entity), [], entity);
    }
  });

  it('changes when the contract changes, so the check can fail', () => {
    const document = smallContractDocument();
    const before = accessTable(parseContract(document));
    const schema = document.jsonschema as { properties: Record<string, Record<string, unknown>> };
    const person = schema.properties['person']!;
    person['#accesscontrol'] = {
      ...(person['#accesscontrol'] as object),
      anonymous: { permissions: ['read'] },
    };
    const after = accessTable(parseContract(document));
    assert.notEqual(after, before);
    assert.match(after, /^\| `person` .*\| read +\|$/m);
  });

  it('is written between the markers and nowhere else', () => {
    const doc =
      'before\n<!-- access-table: contracts/addressbook.json (npm run docs:access) -->\nold\n<!-- end of access-table -->\nafter\n';
    const updated = withTable(doc, '| a |');
    assert.equal(tableInDoc(updated), '| a |');
    assert.ok(updated.startsWith('before\n') && updated.endsWith('after\n'));
    assert.throws(() => tableInDoc('no markers'), /lacks the markers/);
  });
});
