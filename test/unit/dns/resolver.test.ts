import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createResolver, DnsNameNotFoundError, serverAddress } from '../../../src/dns/index.js';
import { isByodaError } from '../../../src/errors/index.js';

describe('DNS resolver helper', () => {
  it('writes IPv4 servers as host:port and IPv6 servers in brackets', () => {
    assert.equal(serverAddress('127.0.0.1', 5353), '127.0.0.1:5353');
    assert.equal(serverAddress('::1', 5353), '[::1]:5353');
    assert.equal(createResolver({ host: '::1', port: 53 }).server, '[::1]:53');
  });

  it('refuses host names and bad ports, which would need DNS to find DNS', () => {
    const isConfigError = (err: unknown): boolean => isByodaError(err) && err.code === 'BYODA_ERR_CONFIG';
    assert.throws(() => createResolver({ host: 'localhost', port: 53 }), isConfigError);
    assert.throws(() => createResolver({ host: '127.0.0.1', port: 0 }), isConfigError);
    assert.throws(() => createResolver({ host: '127.0.0.1', port: 70000 }), isConfigError);
    assert.throws(() => createResolver({ host: '127.0.0.1', port: 53, timeoutMs: 0 }), isConfigError);
  });

  it('reports a missing name as a DNS error with status 404 and the name', () => {
    const err = new DnsNameNotFoundError('x.byoda.test');
    assert.equal(err.code, 'BYODA_ERR_DNS');
    assert.equal(err.status, 404);
    assert.equal(err.hostname, 'x.byoda.test');
    assert.ok(isByodaError(err));
  });
});
