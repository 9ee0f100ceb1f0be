import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  IDENTITY_TYPES,
  accountDataCn,
  accountFqdn,
  accountsCaCn,
  appDataCn,
  appFqdn,
  appsCaCn,
  directoryFqdn,
  proxyFqdn,
  identityCn,
  isNetworkName,
  memberDataCn,
  memberFqdn,
  membersCaCn,
  networkDataCn,
  networkOfRootCaCn,
  parseIdentity,
  rootCaCn,
  serviceCaCn,
  serviceDataCn,
  serviceFqdn,
  servicesCaCn,
} from '../../../src/pki/index.js';
import type { PkiIdentity } from '../../../src/pki/index.js';

const NET = 'byoda.test';
const ACCOUNT = '3b7e2c4a-1f0d-4e8b-9a6c-2d5f8e1b7c90';
const MEMBER = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const S = 4294929430;

/** Every identity type with the CN the spec's forms give it. */
const CASES: ReadonlyArray<[string, PkiIdentity]> = [
  [`root-ca.${NET}`, { type: 'root-ca', network: NET }],
  [`accounts-ca.${NET}`, { type: 'accounts-ca', network: NET }],
  [`services-ca.${NET}`, { type: 'services-ca', network: NET }],
  [`network-data.${NET}`, { type: 'network-data', network: NET }],
  [`dir.${NET}`, { type: 'directory', network: NET }],
  [`proxy.${NET}`, { type: 'proxy', network: NET }],
  [`${ACCOUNT}.accounts.${NET}`, { type: 'account', network: NET, accountId: ACCOUNT }],
  [`${ACCOUNT}.accounts-data.${NET}`, { type: 'account-data', network: NET, accountId: ACCOUNT }],
  [`service-ca.service-${S}.${NET}`, { type: 'service-ca', network: NET, serviceId: S }],
  [`members-ca.members-${S}.${NET}`, { type: 'members-ca', network: NET, serviceId: S }],
  [`apps-ca.apps-${S}.${NET}`, { type: 'apps-ca', network: NET, serviceId: S }],
  [`service.service-${S}.${NET}`, { type: 'service', network: NET, serviceId: S }],
  [`service.service-data-${S}.${NET}`, { type: 'service-data', network: NET, serviceId: S }],
  [`${MEMBER}.members-${S}.${NET}`, { type: 'member', network: NET, memberId: MEMBER, serviceId: S }],
  [
    `${MEMBER}.members-data-${S}.${NET}`,
    { type: 'member-data', network: NET, memberId: MEMBER, serviceId: S },
  ],
  [`${MEMBER}.apps-${S}.${NET}`, { type: 'app', network: NET, appId: MEMBER, serviceId: S }],
  [`${MEMBER}.apps-data-${S}.${NET}`, { type: 'app-data', network: NET, appId: MEMBER, serviceId: S }],
];

describe('pki names', () => {
  it('builds the CN of every identity type in the spec form', () => {
    const built = [
      rootCaCn(NET),
      accountsCaCn(NET),
      servicesCaCn(NET),
      networkDataCn(NET),
      directoryFqdn(NET),
      proxyFqdn(NET),
      accountFqdn(NET, ACCOUNT),
      accountDataCn(NET, ACCOUNT),
      serviceCaCn(NET, S),
      membersCaCn(NET, S),
      appsCaCn(NET, S),
      serviceFqdn(NET, S),
      serviceDataCn(NET, S),
      memberFqdn(NET, S, MEMBER),
      memberDataCn(NET, S, MEMBER),
      appFqdn(NET, S, MEMBER),
      appDataCn(NET, S, MEMBER),
    ];
    assert.deepEqual(
      built,
      CASES.map(([cn]) => cn),
    );
  });

  it('covers every identity type', () => {
    assert.deepEqual(new Set(CASES.map(([, identity]) => identity.type)), new Set(IDENTITY_TYPES));
  });

  it('parses every CN back to its identity, and identityCn inverts it', () => {
    for (const [cn, identity] of CASES) {
      assert.deepEqual(parseIdentity(cn, NET), identity, cn);
      assert.deepEqual(parseIdentity(cn), identity, `${cn} without network`);
      assert.equal(identityCn(identity), cn);
    }
  });

  it('returns null for a CN of another network when the network is given', () => {
    assert.equal(parseIdentity(`dir.other.test`, NET), null);
    assert.equal(parseIdentity(`${MEMBER}.members-${S}.sub.${NET}`, NET), null);
    assert.deepEqual(parseIdentity(`${MEMBER}.members-${S}.sub.${NET}`)?.network, `sub.${NET}`);
  });

  it('parses names whose network has labels like the prefixes', () => {
    const network = 'service-1.accounts.test';
    assert.deepEqual(parseIdentity(`dir.${network}`), { type: 'directory', network });
    assert.deepEqual(parseIdentity(`service.service-7.${network}`), {
      type: 'service',
      network,
      serviceId: 7,
    });
  });

  it('takes the network of a root CA CN only', () => {
    assert.equal(networkOfRootCaCn(`root-ca.${NET}`), NET);
    assert.equal(networkOfRootCaCn(`accounts-ca.${NET}`), null);
    assert.equal(networkOfRootCaCn('root-ca'), null);
  });

  it('rejects CNs that are not one of the forms', () => {
    const bad = [
      '',
      NET,
      'root-ca',
      `root-ca.test`, // a single-label network
      `ROOT-CA.${NET}`,
      `${ACCOUNT.toUpperCase()}.accounts.${NET}`,
      `3b7e2c4a-1f0d-1e8b-9a6c-2d5f8e1b7c90.accounts.${NET}`, // UUID v1
      `${ACCOUNT}.account.${NET}`,
      `${ACCOUNT}.members.${NET}`,
      `${MEMBER}.members-.${NET}`,
      `${MEMBER}.members-007.${NET}`, // leading zeros: not canonical
      `${MEMBER}.members-4294967296.${NET}`, // 2^32
      `${MEMBER}.members--1.${NET}`,
      `${MEMBER}.members-1e3.${NET}`,
      `service.service-x.${NET}`,
      `service.members-1.${NET}`,
      `members-ca.service-1.${NET}`,
      `apps-ca.apps-1`,
      `dir..${NET}`,
      `dir.${NET}.`,
      `dir.-bad.test`,
      `x.dir.${NET}`,
      `*.accounts.${NET}`,
    ];
    for (const cn of bad) assert.equal(parseIdentity(cn), null, cn);
  });

  it('accepts the bounds of service ids', () => {
    assert.equal(parseIdentity(`service.service-0.${NET}`)?.serviceId, 0);
    assert.equal(parseIdentity(`service.service-4294967295.${NET}`)?.serviceId, 4294967295);
  });

  it('refuses to build names from bad ids or networks', () => {
    const bad: Array<() => string> = [
      () => accountFqdn(NET, 'not-a-uuid'),
      () => accountFqdn(NET, ACCOUNT.toUpperCase()),
      () => memberFqdn(NET, S, '3b7e2c4a-1f0d-1e8b-9a6c-2d5f8e1b7c90'),
      () => serviceFqdn(NET, -1),
      () => serviceFqdn(NET, 2 ** 32),
      () => serviceFqdn(NET, 1.5),
      () => serviceFqdn(NET, Number.NaN),
      () => rootCaCn('localhost'),
      () => rootCaCn('Byoda.Test'),
      () => rootCaCn('byoda_test.example'),
      () => rootCaCn(''),
      () => rootCaCn(`${'a'.repeat(64)}.test`),
    ];
    for (const build of bad) {
      assert.throws(build, { code: 'BYODA_ERR_PKI' }, build.toString());
    }
  });

  it('validates network names as DNS domains', () => {
    assert.equal(isNetworkName('byoda.test'), true);
    assert.equal(isNetworkName('a.b.c.example'), true);
    assert.equal(isNetworkName('xn--bcher-kva.example'), true);
    assert.equal(isNetworkName('test'), false);
    assert.equal(isNetworkName('a..test'), false);
    assert.equal(isNetworkName(`${'a.'.repeat(127)}test`), false); // 257 characters
  });

  it('round-trips any member and service id (property)', () => {
    fc.assert(
      fc.property(
        fc.uuid({ version: 4 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (memberId, serviceId) => {
          for (const cn of [memberFqdn(NET, serviceId, memberId), memberDataCn(NET, serviceId, memberId)]) {
            const identity = parseIdentity(cn, NET);
            assert.equal(identity?.memberId, memberId);
            assert.equal(identity?.serviceId, serviceId);
            assert.equal(identity && identityCn(identity), cn);
          }
        },
      ),
    );
  });
});
