import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem, fromLocalDateTime, scalarProblem } from '../../../web/src/field-checks.js';
import { isRefusal, plainError } from '../../../web/src/plain-errors.js';

describe('web app: the pod errors in plain words, at their field', () => {
  it("places graphql-js's coercion error of a variable at the field it names", () => {
    assert.deepEqual(
      plainError(
        'Variable "$input" got invalid value "a1" at "input.asset_id"; UUID cannot represent a non-UUID value: "a1"',
      ),
      {
        field: 'asset_id',
        text: 'is not a UUID (32 hexadecimal digits in groups, like 3f2b8c1e-…); use “New” to make one',
      },
    );
    assert.deepEqual(
      plainError(
        'Variable "$input" got invalid value "x" at "input.home_address.city"; Expected type "Int".',
      ),
      { field: 'home_address.city', text: 'is not a whole number' },
    );
  });

  it("places the pod's value error (src/storage/values.ts) at the field", () => {
    assert.deepEqual(plainError('person.email: expected an email address like name@example.org'), {
      field: 'email',
      text: 'must be an email address like name@example.org',
    });
    assert.deepEqual(plainError('person.family_name: required'), {
      field: 'family_name',
      text: 'is required',
    });
  });

  it('says a firewall refusal as what the contract does not allow', () => {
    assert.deepEqual(plainError('not allowed to delete member: no rule grants "delete"'), {
      text: "The service's contract does not let you delete member records.",
    });
  });

  it('decides a refusal by its code, and by the wording only when there is no code', () => {
    const denied = 'not allowed to read person: covers relation family|friend, not colleague';
    assert.equal(isRefusal(denied, 'BYODA_ERR_FORBIDDEN'), true);
    // Another implementation's wording, with the code: still a refusal, its message kept whole.
    assert.equal(isRefusal('access denied by policy', 'BYODA_ERR_FORBIDDEN'), true);
    assert.deepEqual(plainError('access denied by policy', 'BYODA_ERR_FORBIDDEN'), {
      text: 'access denied by policy',
    });
    assert.deepEqual(plainError(denied, 'BYODA_ERR_FORBIDDEN'), {
      text: "The service's contract does not let you read person records.",
    });
    // A code that says otherwise wins over the wording.
    assert.equal(isRefusal(denied, 'BYODA_ERR_UNREACHABLE'), false);
    assert.deepEqual(plainError(denied, 'BYODA_ERR_UNREACHABLE'), { text: denied });
    // No code (a pod that sends none): the wording of our firewall is the fallback.
    assert.equal(isRefusal(denied, null), true);
    assert.equal(isRefusal(denied, undefined), true);
    assert.equal(isRefusal('timed out after 3000 ms', null), false);
  });

  it('keeps any other message whole', () => {
    assert.deepEqual(plainError('the member is not registered in DNS'), {
      text: 'the member is not registered in DNS',
    });
  });
});

describe("web app: the page's own checks before sending", () => {
  it('checks email and web addresses as the pod does', () => {
    assert.equal(formatProblem('idn-email', 'zoë@exämple.org'), undefined);
    assert.match(formatProblem('idn-email', 'not-an-email') ?? '', /must be an email address/);
    assert.equal(formatProblem('uri', 'https://example.org/a'), undefined);
    assert.match(formatProblem('uri', 'example.org') ?? '', /must be a full web address/);
    assert.equal(formatProblem('x-unknown', 'anything'), undefined);
  });

  it('checks UUIDs and numbers, and turns a picked local time into UTC', () => {
    assert.equal(scalarProblem('UUID', '3f2b8c1e-0a4d-4c2b-9f1e-2d3c4b5a6f70'), undefined);
    assert.match(scalarProblem('UUID', 'a1') ?? '', /not a UUID/);
    assert.match(scalarProblem('Int', '1.5') ?? '', /whole number/);
    assert.match(fromLocalDateTime('2026-01-31T12:00:00'), /^2026-01-3\dT\d{2}:00:00\.000Z$/);
  });
});
