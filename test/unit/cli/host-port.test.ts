import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { parseHostPort } from '../../../src/cli/host-port.js';

describe('cli: parseHostPort (--dns of pod start and service start)', () => {
  it('reads HOST:PORT and [IPv6]:PORT', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
    assert.deepEqual(parseHostPort('dns.example:53'), { host: 'dns.example', port: 53 });
    assert.deepEqual(parseHostPort('[::1]:65535'), { host: '::1', port: 65535 });
  });

  for (const bad of [
    '127.0.0.1',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '::1:53',
    '[::1]',
    'host:port',
    ':53',
    '',
  ]) {
    it(`refuses '${bad}' with the expected form`, () => {
      assert.throws(
        () => parseHostPort(bad),
        (err: unknown) => err instanceof InvalidArgumentError && /HOST:PORT/.test(err.message),
      );
    });
  }
});
