/**
 * `byoda demo` as a user runs it: the seed example on a fresh network in a temporary folder. Suzie's
 * pod must answer with Mike's home address, credited to Mike's member id; the command exits 0 and
 * leaves no folder behind.
 */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { runByoda } from '../fixtures/network-harness.js';
import { LOADED_MACHINE_ENV } from '../fixtures/test-env.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

/** The indented JSON between "Suzie's pod answers:" and the verdict line. */
function printedAnswer(stdout: string): unknown {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line === "Suzie's pod answers:");
  assert.ok(start >= 0, `the answer is printed:\n${stdout}`);
  const body = lines.slice(start + 1);
  const end = body.findIndex((line) => !line.startsWith('  '));
  return JSON.parse(body.slice(0, end).join('\n'));
}

describe('byoda demo', () => {
  it("finds Mike's home address through Suzie's pod, with his member id as origin, then cleans up", async () => {
    const result = await runByoda(['demo'], LOADED_MACHINE_ENV);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.equal(result.stderr, '');
    const { stdout } = result;
    assert.ok(!stdout.includes('\u001b['), 'no colours outside a terminal');

    const mikeId = new RegExp(`Mike +logged in to .*; member (${UUID}) of`).exec(stdout)?.[1];
    assert.ok(mikeId, `Mike's member id is printed when he logs in:\n${stdout}`);
    for (const step of [
      'Suzie +wrote a person',
      'Mike +wrote a person: .*12 Elm Street',
      'Suzie +linked Mike',
      'Mike +linked Suzie',
    ]) {
      assert.match(stdout, new RegExp(step));
    }
    assert.match(stdout, /person_connection\(depth: 1, relations: \["family"\]\)/);

    const answer = printedAnswer(stdout) as {
      person_connection: { edges: { origin: string; node: Record<string, unknown> }[] };
    };
    const fromMike = answer.person_connection.edges.find((edge) => edge.origin === mikeId);
    assert.deepEqual(fromMike?.node['home_address'], {
      street: '12 Elm Street',
      city: 'Springfield',
      postal_code: '49007',
      country: 'US',
    });
    assert.match(
      stdout,
      new RegExp(`✔ Mike's home address came back with origin ${mikeId}: Mike's member id`),
    );

    const removed = /network stopped, (\S+) removed/.exec(stdout)?.[1];
    assert.ok(removed, 'it says the network stopped and the folder was removed');
    await assert.rejects(access(removed), 'the temporary folder is gone');
  });
});
