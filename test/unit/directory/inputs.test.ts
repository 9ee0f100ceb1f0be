import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addressRecord,
  csrIdentity,
  publishedAddress,
  serviceIdParam,
} from '../../../src/directory/inputs.js';
import { accountFqdn, createCsr, generateKeyPair, serviceCaCn } from '../../../src/pki/index.js';

const NETWORK = 'byoda.test';
const A = '0f8e2b6a-3c1d-4e5f-8a9b-0c1d2e3f4a5b';

function badField(path: string): (err: unknown) => boolean {
  return (err) => {
    const e = err as { status?: number; path?: string; message?: string };
    return e.status === 400 && e.path === path && (e.message ?? '').includes(path);
  };
}

describe('directory inputs', () => {
  it('reads service-<id> path segments within 0..2^32-1', () => {
    assert.equal(serviceIdParam('service-0'), 0);
    assert.equal(serviceIdParam('service-4294967295'), 4294967295);
    for (const bad of ['service-4294967296', 'service-01', 'service--1', 'service-', '12', 'service-1.5']) {
      assert.throws(() => serviceIdParam(bad), badField('params/service'), bad);
    }
  });

  it('publishes the given address, else the source; unmaps IPv4-mapped IPv6', () => {
    assert.equal(publishedAddress('192.0.2.1', '127.0.0.1'), '192.0.2.1');
    assert.equal(publishedAddress(undefined, '::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(publishedAddress('2001:db8::1', '127.0.0.1'), '2001:db8::1');
    for (const bad of ['0.0.0.0', '::', 'localhost', '1.2.3', '']) {
      assert.throws(() => publishedAddress(bad, '127.0.0.1'), badField('body/address'), bad);
    }
  });

  it('makes A or AAAA records', () => {
    assert.deepEqual(addressRecord('192.0.2.1'), { a: '192.0.2.1' });
    assert.deepEqual(addressRecord('::1'), { aaaa: '::1' });
  });

  it('reads the identity a CSR asks for, refusing other types and networks at body/csr', async () => {
    const keys = await generateKeyPair();
    const identity = await csrIdentity(await createCsr(accountFqdn(NETWORK, A), keys), NETWORK, ['account']);
    assert.deepEqual(identity, { type: 'account', network: NETWORK, accountId: A });
    const serviceCsr = await createCsr(serviceCaCn(NETWORK, 3), keys);
    await assert.rejects(csrIdentity(serviceCsr, NETWORK, ['account']), badField('body/csr'));
    await assert.rejects(csrIdentity(serviceCsr, 'other.test', ['service-ca']), badField('body/csr'));
    await assert.rejects(csrIdentity('garbage', NETWORK, ['account']), {
      code: 'BYODA_ERR_CSR',
      path: 'body/csr',
    });
  });
});
