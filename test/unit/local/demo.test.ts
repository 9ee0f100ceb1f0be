import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_PEOPLE, judge } from '../../../src/local/index.js';
import type { GraphqlAnswer } from '../../../src/network/index.js';

const MIKE = { memberId: '2b5d5893-a200-43c8-9706-14122b125ab3', who: DEMO_PEOPLE[1] };
const SUZIE_ID = '904ca6e3-9fb9-4530-9cba-09929c8a86c7';
const HOME = DEMO_PEOPLE[1].person['home_address'];

function answer(edges: unknown[], remoteErrors: unknown[] = []): GraphqlAnswer {
  return {
    data: { person_connection: { total_count: edges.length, edges, remote_errors: remoteErrors } },
    errors: [],
  };
}

describe("the demo's verdict", () => {
  it("accepts Mike's home address with his member id as origin", () => {
    const outcome = judge(
      answer([
        { origin: SUZIE_ID, node: { given_name: 'Suzie', home_address: null } },
        { origin: MIKE.memberId, node: { given_name: 'Mike', home_address: HOME } },
      ]),
      MIKE,
    );
    assert.equal(outcome.ok, true);
    assert.equal(outcome.origin, MIKE.memberId);
  });

  it('refuses the address credited to another origin', () => {
    const outcome = judge(answer([{ origin: SUZIE_ID, node: { home_address: HOME } }]), MIKE);
    assert.equal(outcome.ok, false);
    assert.match(outcome.reason ?? '', /no record with origin .* \(Mike's member id\)/);
  });

  it("names the pod's error when Suzie's pod refuses the query", () => {
    const refused: GraphqlAnswer = {
      data: { person_connection: null },
      errors: [{ message: 'this pod does not forward queries', path: 'person_connection' }],
    };
    assert.equal(
      judge(refused, MIKE).reason,
      "Suzie's pod answered with an error: this pod does not forward queries",
    );
  });

  it("passes on why Mike's pod did not answer", () => {
    const outcome = judge(answer([], [{ origin: MIKE.memberId, message: 'timed out after 3000 ms' }]), MIKE);
    assert.equal(outcome.reason, "Mike's pod did not answer: timed out after 3000 ms");
  });

  it('refuses a record from Mike without his address', () => {
    const outcome = judge(answer([{ origin: MIKE.memberId, node: { home_address: null } }]), MIKE);
    assert.match(outcome.reason ?? '', /does not hold his home address/);
  });
});
