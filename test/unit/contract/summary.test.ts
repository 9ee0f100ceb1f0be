import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseContract, summarizeContract, summarizeContractJson } from '../../../src/contract/index.js';
import { loadSharedContract, smallContractDocument } from '../../fixtures/contracts.js';

describe('summarizeContractJson', () => {
  it('gives the service, classes with kinds, fields with types and access per entity', () => {
    const summary = summarizeContractJson(parseContract(smallContractDocument()));
    assert.deepEqual(summary.service, {
      id: 4242,
      name: 'small',
      version: 1,
      description: 'a small contract for tests',
      owner: 'Tester',
      website: 'https://small.example/',
      supportEmail: 'support@small.example',
    });
    assert.deepEqual(summary.listenRelations, ['posts of follow links -> feed (feed timeline)']);
    assert.deepEqual(
      summary.classes.map((c) => [c.name, c.kind, c.typeName, c.properties]),
      [
        ['person', 'object', 'person', []],
        ['posts', 'array', 'post', []],
        ['feed', 'array', 'post', ['cache_only 2d']],
        ['timeline', 'array', 'post', ['cache_only 1w', 'cache 90m']],
      ],
    );
    const person = summary.classes[0];
    assert.deepEqual(person?.access, {
      member: ['read', 'update'],
      network: ['read (distance 2, relations friend)'],
    });
    assert.deepEqual(
      person?.fields.find((f) => f.name === 'email'),
      {
        name: 'email',
        type: 'string(email)',
        required: false,
        obsolete: false,
        properties: [],
        access: {
          member: ['read', 'update'],
          network: ['read (distance 2, relations friend)'],
          service: ['search (match exact, case-sensitive)'],
        },
      },
    );
    assert.equal(
      person?.fields.find((f) => f.name === 'age')?.access,
      undefined,
      'a field without its own rules has its class access, which is not repeated',
    );
    const posts = summary.classes[1];
    assert.deepEqual(
      posts?.fields.map((f) => `${f.name}:${f.type}:${f.properties.join('+')}`),
      [
        'post_id:uuid:primary_key+index',
        'created:date-time:',
        'kind:string{text|photo}:',
        'tags:[string]:',
        'likes:integer:counter',
        'author:author:',
        'co_authors:[author]:',
      ],
    );
    assert.deepEqual(
      summary.types.map((t) => t.name),
      ['person_address', 'person_address_geo', 'author'],
    );
  });

  it('is plain JSON', () => {
    const summary = summarizeContractJson(parseContract(smallContractDocument()));
    assert.deepEqual(JSON.parse(JSON.stringify(summary)), summary);
  });
});

describe('summarizeContract', () => {
  it('lists every class of the addressbook with its kind and who may do what', async () => {
    const text = summarizeContract(await loadSharedContract('addressbook'));
    assert.match(text, /^service addressbook \(id 4294929430\), contract version 1$/m);
    assert.match(text, /^20 data classes:$/m);
    assert.match(text, /^person \(object\)$/m);
    assert.match(text, /^network_links \(array of network_link\)$/m);
    assert.match(text, /^incoming_assets \(array of asset, cache_only 3d\)$/m);
    assert.match(text, /^feed_assets \(array of asset, cache_only 1w\)$/m);
    assert.match(
      text,
      /^ {4}network: read \(distance 1, relations friend\|family, origin signature required\)$/m,
    );
    // person.email: its own search rule for the service, merged over the class's rules per entity.
    assert.match(
      text,
      new RegExp(
        [
          '^ {4}email +string\\(idn-email\\) +required',
          ' {6}access:',
          ' {8}member: read, update, delete',
          ' {8}network: read \\(distance 1, relations friend\\|family, origin signature required\\)',
          ' {8}service: search \\(match exact, case-insensitive\\)',
          ' {4}family_name ',
        ].join('\n'),
        'm',
      ),
    );
    assert.match(
      text,
      /^ {4}member_id +uuid +required\n {6}access:\n {8}member: read, update\n {8}any_member: persist\n {8}service: persist$/m,
    );
    assert.match(text, /^ {4}supported_schema_version +string +obsolete$/m);
    assert.match(text, /^claim$/m);
  });

  it('says when a class grants nothing', () => {
    const doc = smallContractDocument();
    const classes = (doc.jsonschema as Record<string, Record<string, Record<string, unknown>>>).properties;
    delete classes?.posts?.['#accesscontrol'];
    assert.match(summarizeContract(parseContract(doc)), /^posts \(array of post\)\n {2}access: nobody$/m);
  });
});
