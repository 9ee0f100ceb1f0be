/**
 * CORS on the pod's web port, as pure functions over memberships' contracts: which hosts may call a
 * path, whether an Origin header is one of them, and the options the CORS plugin gets for a request.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CORS_HEADERS,
  CORS_METHODS,
  corsHostsFor,
  corsOptionsFor,
  isAllowedOrigin,
} from '../../../src/pod/routes/cors.js';
import type { CorsMembership, CorsMemberships } from '../../../src/pod/routes/cors.js';

/** Memberships by service id, each with a contract that lists `origins`. */
function memberships(byService: Record<number, readonly string[]>): CorsMemberships {
  const all = new Map<number, CorsMembership>(
    Object.entries(byService).map(([id, corsOrigins]) => [Number(id), { contract: { corsOrigins } }]),
  );
  return { get: (serviceId) => all.get(serviceId), list: () => [...all.values()] };
}

const PODS = memberships({
  4294929430: ['www.byoda.net', 'addressbook.byoda.org'],
  17: ['byo.tube', 'dev.byo.tube:8443'],
  23: [],
});

describe('pod CORS: hosts per path', () => {
  it("gives a data path its own membership's contract origins", () => {
    assert.deepEqual(corsHostsFor('/api/v1/data/service-4294929430', PODS), [
      'www.byoda.net',
      'addressbook.byoda.org',
    ]);
    assert.deepEqual(corsHostsFor('/api/v1/data/service-17/', PODS), ['byo.tube', 'dev.byo.tube:8443']);
    assert.deepEqual(corsHostsFor('/api/v1/data/service-23', PODS), []);
  });

  it('gives a data path of no membership, or not written as a service id, no origins', () => {
    for (const path of [
      '/api/v1/data/service-99',
      '/api/v1/data/service-017',
      '/api/v1/data/service-17x',
      '/api/v1/data/service-17/more',
    ]) {
      assert.deepEqual(corsHostsFor(path, PODS), [], path);
    }
  });

  it('gives the owner log-in and account the union of all memberships', () => {
    const union = ['www.byoda.net', 'addressbook.byoda.org', 'byo.tube', 'dev.byo.tube:8443'];
    assert.deepEqual([...corsHostsFor('/api/v1/pod/authtoken', PODS)].sort(), [...union].sort());
    assert.deepEqual([...corsHostsFor('/api/v1/pod/account/', PODS)].sort(), [...union].sort());
    assert.deepEqual(corsHostsFor('/api/v1/pod/authtoken', memberships({})), []);
  });

  it('gives every other path no origins: joining, upgrading, data certs, the web app', () => {
    for (const path of [
      '/api/v1/pod/member/service-17',
      '/api/v1/pod/member/service-17/upgrade',
      '/api/v1/pod/data-cert/service-17',
      '/',
      '/index.html',
      '/api/v1/pod/authtokens',
    ]) {
      assert.deepEqual(corsHostsFor(path, PODS), [], path);
    }
  });
});

describe('pod CORS: origin matching', () => {
  const hosts = ['www.byoda.net', 'dev.byo.tube:8443', 'Mixed.Example'];

  it('allows exactly https://<host>, and a port only where the contract lists it', () => {
    assert.ok(isAllowedOrigin('https://www.byoda.net', hosts));
    assert.ok(isAllowedOrigin('https://dev.byo.tube:8443', hosts));
    assert.ok(isAllowedOrigin('https://mixed.example', hosts), 'host names compare in any case');
  });

  it('refuses other schemes, ports, suffixes, prefixes and absent or null origins', () => {
    for (const origin of [
      'http://www.byoda.net',
      'https://www.byoda.net:8443',
      'https://dev.byo.tube',
      'https://evil.www.byoda.net',
      'https://www.byoda.net.evil.example',
      'https://byoda.net',
      'https://www.byoda.net/',
      'null',
      '',
      undefined,
    ]) {
      assert.equal(isAllowedOrigin(origin, hosts), false, String(origin));
    }
  });
});

describe('pod CORS: plugin options', () => {
  it('echoes an allowed origin with the methods and headers allowed, without credentials', () => {
    const options = corsOptionsFor('/api/v1/data/service-17', 'https://byo.tube', PODS);
    assert.deepEqual(options, {
      origin: 'https://byo.tube',
      methods: [...CORS_METHODS],
      allowedHeaders: [...CORS_HEADERS],
      credentials: false,
      strictPreflight: false,
    });
    assert.deepEqual(CORS_METHODS, ['GET', 'POST', 'OPTIONS']);
    assert.deepEqual(CORS_HEADERS, ['authorization', 'content-type']);
  });

  it("turns CORS off for an origin of another membership's contract, or none", () => {
    assert.deepEqual(corsOptionsFor('/api/v1/data/service-17', 'https://www.byoda.net', PODS), {
      origin: false,
    });
    assert.deepEqual(corsOptionsFor('/api/v1/data/service-17', undefined, PODS), { origin: false });
    assert.deepEqual(corsOptionsFor('/', 'https://byo.tube', PODS), { origin: false });
  });
});
