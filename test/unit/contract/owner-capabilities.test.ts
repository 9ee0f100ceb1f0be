import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ownerCapabilities, parseContract } from '../../../src/contract/index.js';
import type { ClassCapabilities } from '../../../src/contract/index.js';
import { smallContractDocument } from '../../fixtures/contracts.js';

type Json = Record<string, unknown>;

function capabilitiesOf(name: string, change: (classes: Json, defs: Json) => void = () => {}) {
  const doc = smallContractDocument();
  const schema = doc.jsonschema as Json;
  change(schema.properties as Json, schema.$defs as Json);
  const found = ownerCapabilities(parseContract(doc)).classes.find((c) => c.name === name);
  assert.ok(found, `class ${name}`);
  return found;
}

const props = (of: unknown) => (of as { properties: Json }).properties;

describe('ownerCapabilities', () => {
  it("lists a list class's enum fields with their values, for the app's selects", () => {
    const posts: ClassCapabilities = capabilitiesOf('posts');
    assert.deepEqual(posts.enums, [{ path: 'kind', values: ['text', 'photo'] }]);
  });

  it('lists enum fields of nested objects by dotted path, and integer enums as numbers', () => {
    const person = capabilitiesOf('person', (classes) => {
      const address = props(props(classes.person).address);
      address.country = { type: 'string', enum: ['NL', 'BE'] };
      props(classes.person).stars = { type: 'integer', enum: [1, 2, 3] };
    });
    assert.deepEqual(person.enums, [
      { path: 'address.country', values: ['NL', 'BE'] },
      { path: 'stars', values: [1, 2, 3] },
    ]);
  });

  it('lists no enum for a class without one, nor for an obsolete field', () => {
    assert.deepEqual(capabilitiesOf('person').enums, []);
    const posts = capabilitiesOf('posts', (_classes, defs) => {
      (props(defs.post).kind as Json)['#obsolete'] = true;
    });
    assert.deepEqual(posts.enums, []);
  });
});
