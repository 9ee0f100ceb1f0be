/**
 * Contracts of the feed unit tests (not a test file): the project's example addressbook contract
 * (contracts/addressbook.json: `public_assets` of pods linked `follow` copied into `incoming_assets`,
 * cache_only 3d, and `feed_assets`, cache_only 1w), and a variant with a listen relation into a class
 * the pod may not keep remote data in.
 */
import { readFile } from 'node:fs/promises';
import { parseContract } from '../../../src/contract/index.js';
import type { Contract } from '../../../src/contract/index.js';

const EXAMPLE_CONTRACT = new URL('../../../contracts/addressbook.json', import.meta.url);

type Json = Record<string, unknown>;

export async function exampleDocument(): Promise<Json> {
  return JSON.parse(await readFile(EXAMPLE_CONTRACT, 'utf8')) as Json;
}

export async function exampleContract(): Promise<Contract> {
  return parseContract(await exampleDocument());
}

/** The example with `kept_assets` (no cache, no persist) as a second listen relation's destination. */
export async function keptAssetsContract(): Promise<Contract> {
  const document = await exampleDocument();
  const schema = document['jsonschema'] as Json;
  const classes = schema['properties'] as Record<string, Json>;
  classes['kept_assets'] = {
    type: 'array',
    '#accesscontrol': { member: { permissions: ['read', 'append'] } },
    items: { $ref: '#/$defs/asset' },
  };
  (document['listen_relations'] as Json[]).push({
    class_name: 'public_assets',
    relations: ['follow'],
    destination_class: 'kept_assets',
  });
  return parseContract(document);
}
