import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OWNER_API_PATHS, tokenExpiry } from '../../../src/network/index.js';
import { DATA_PATH, POD_PATHS } from '../../../src/pod/index.js';

describe('owner API client', () => {
  it('uses the paths the pod serves (they are written out to keep the client light)', () => {
    assert.equal(OWNER_API_PATHS.authToken, POD_PATHS.authToken);
    assert.equal(OWNER_API_PATHS.account, POD_PATHS.account);
    assert.equal(OWNER_API_PATHS.totp, POD_PATHS.totp);
    assert.equal(OWNER_API_PATHS.totpConfirm, POD_PATHS.totpConfirm);
    assert.equal(OWNER_API_PATHS.totpDisable, POD_PATHS.totpDisable);
    assert.equal(OWNER_API_PATHS.rotateKeys, POD_PATHS.rotateKeys);
    assert.equal(OWNER_API_PATHS.data(4294929430), DATA_PATH.replace(':serviceId', '4294929430'));
    assert.equal(OWNER_API_PATHS.join(4294929430), POD_PATHS.join.replace(':serviceId', '4294929430'));
    assert.equal(
      OWNER_API_PATHS.search(4294929430, 'person'),
      POD_PATHS.search.replace(':serviceId', '4294929430').replace(':class', 'person'),
    );
  });

  it("reads a token's expiry without verifying it, and nothing from a malformed one", () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'x', exp: 1_900_000_000 })).toString('base64url');
    assert.deepEqual(tokenExpiry(`eyJhbGciOiJFUzI1NiJ9.${payload}.c2ln`), new Date(1_900_000_000_000));
    assert.equal(tokenExpiry('not a token'), undefined);
    assert.equal(tokenExpiry('a.%%%.c'), undefined);
  });
});
