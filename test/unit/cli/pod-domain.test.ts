/**
 * `byoda pod start`'s custom-domain flags (src/cli/pod-domain.ts): each bad combination or value ends
 * the command with a non-zero exit and one line naming the flag, before any pod file is read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runByoda } from '../../fixtures/network-harness.js';

const START = ['pod', 'start', '--data', '/nonexistent/byoda-pod'];
const DIRECTORY = 'https://127.0.0.1:14000/dir';

describe('byoda pod start --domain: bad input', { concurrency: true }, () => {
  const cases: [string, string[], RegExp][] = [
    ['--domain without --acme-directory', ['--domain', 'pod.example.com'], /--domain needs --acme-directory/],
    ['--acme-directory without --domain', ['--acme-directory', DIRECTORY], /--acme-directory needs --domain/],
    ['--acme-email alone', ['--acme-email', 'owner@example.com'], /need --domain/],
    [
      'a plain-HTTP directory',
      ['--domain', 'pod.example.com', '--acme-directory', 'http://ca.example/dir'],
      /--acme-directory.*https:\/\//,
    ],
    [
      'a directory that is no URL',
      ['--domain', 'pod.example.com', '--acme-directory', 'not a url'],
      /--acme-directory/,
    ],
    [
      'an e-mail that is none',
      ['--domain', 'pod.example.com', '--acme-directory', DIRECTORY, '--acme-email', 'owner'],
      /--acme-email/,
    ],
    [
      'a challenge port out of range',
      ['--domain', 'pod.example.com', '--acme-directory', DIRECTORY, '--acme-http-port', '70000'],
      /--acme-http-port/,
    ],
    [
      'a domain that is no DNS name',
      ['--domain', 'pod_example..com', '--acme-directory', DIRECTORY],
      /--domain: 'pod_example\.\.com' is not a DNS name/,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const result = await runByoda([...START, ...args]);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    });
  }
});
