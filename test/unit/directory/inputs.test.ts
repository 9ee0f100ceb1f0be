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
const LOCAL = { loopback: true };
const PUBLIC = { loopback: false };

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
    assert.equal(publishedAddress('192.0.2.1', '127.0.0.1', LOCAL), '192.0.2.1');
    assert.equal(publishedAddress(undefined, '::ffff:127.0.0.1', LOCAL), '127.0.0.1');
    assert.equal(publishedAddress('2001:db8::1', '127.0.0.1', LOCAL), '2001:db8::1');
    assert.equal(
      publishedAddress('10.1.2.3', '127.0.0.1', PUBLIC),
      '10.1.2.3',
      'private ranges are published',
    );
    for (const bad of ['0.0.0.0', '::', 'localhost', '1.2.3', '']) {
      assert.throws(() => publishedAddress(bad, '127.0.0.1', LOCAL), badField('body/address'), bad);
    }
  });

  it('refuses addresses nobody can connect to, naming the field and why', () => {
    const cases: [string, RegExp][] = [
      ['0.1.2.3', /unspecified/],
      ['224.0.0.251', /multicast/],
      ['ff02::1', /multicast/],
      ['255.255.255.255', /broadcast/],
      ['240.0.0.1', /reserved/],
      ['169.254.10.1', /link-local/],
      ['fe80::1', /link-local/],
      ['::ffff:0:0', /unspecified|IPv4-mapped/],
    ];
    for (const [bad, why] of cases) {
      assert.throws(() => publishedAddress(bad, '127.0.0.1', LOCAL), badField('body/address'), bad);
      assert.throws(() => publishedAddress(bad, '127.0.0.1', LOCAL), { message: why }, bad);
    }
  });

  it('publishes loopback only under a local network’s policy, the source address included', () => {
    assert.equal(publishedAddress('127.0.0.5', '192.0.2.1', LOCAL), '127.0.0.5');
    assert.equal(publishedAddress('::1', '192.0.2.1', LOCAL), '::1');
    for (const [given, source] of [
      ['127.0.0.5', '192.0.2.1'],
      ['::1', '192.0.2.1'],
      [undefined, '::ffff:127.0.0.1'],
    ] as const) {
      assert.throws(() => publishedAddress(given, source, PUBLIC), badField('body/address'));
      assert.throws(() => publishedAddress(given, source, PUBLIC), { message: /loopback/ });
    }
    assert.throws(() => publishedAddress(undefined, '127.0.0.1', PUBLIC), {
      message: /the request's source address 127\.0\.0\.1 is a loopback address/,
    });
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
