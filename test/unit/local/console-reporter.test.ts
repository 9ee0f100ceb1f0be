import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConsoleReporter, formatTable } from '../../../src/local/index.js';
import type { NetworkJson } from '../../../src/local/index.js';

const NETWORK: NetworkJson = {
  network: 'byoda.test',
  dns: { host: '127.0.0.1', port: 5353 },
  root_ca: '/data/directory/pki/root-ca.pem',
  directory: { url: 'https://127.0.0.1:4001', fqdn: 'dir.byoda.test' },
  services: [
    {
      service_id: 4294929430,
      name: 'addressbook',
      version: 1,
      url: 'https://127.0.0.1:4002',
      fqdn: 'service.service-4294929430.byoda.test',
    },
  ],
  pods: [
    {
      name: 'pod1',
      account_id: '6f1c0c5e-8a0b-4c1e-9d3e-2b7a4f5e6d7c',
      fqdn: '6f1c0c5e-8a0b-4c1e-9d3e-2b7a4f5e6d7c.accounts.byoda.test',
      web_url: 'https://127.0.0.1:4003',
      member_url: 'https://127.0.0.1:4004',
      username: 'owner',
      password_file: '/data/pods/pod1/password',
      memberships: [
        {
          service_id: 4294929430,
          member_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
          fqdn: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.members-4294929430.byoda.test',
        },
      ],
    },
  ],
};

/** An ANSI escape sequence starts with ESC (text.includes, since lint refuses control characters in a regex). */
const hasAnsi = (text: string): boolean => text.includes('\u001b[');

function capture(json: boolean, color = false) {
  let out = '';
  const reporter = createConsoleReporter({ json, color, write: (text) => (out += text) });
  return { reporter, output: () => out };
}

describe('console reporter', () => {
  it('pads table columns to the widest cell and trims the last', () => {
    assert.deepEqual(
      formatTable([
        ['a', 'long cell', 'x'],
        ['longer', 'b', ''],
      ]),
      ['  a       long cell  x', '  longer  b'],
    );
  });

  it('shows people every server, every pod and how to log in, without colour codes off a terminal', () => {
    const { reporter, output } = capture(false);
    reporter.ready(NETWORK, '/data/network.json');
    const text = output();
    assert.equal(hasAnsi(text), false);
    const pod = NETWORK.pods[0]!;
    for (const fact of [
      NETWORK.directory.url,
      '127.0.0.1:5353',
      NETWORK.root_ca,
      NETWORK.services[0]!.url,
      'addressbook, id 4294929430, contract version 1',
      pod.account_id,
      // The web URL by the name its certificate carries, which curl and browsers must use.
      `https://${pod.fqdn}:4003`,
      pod.member_url,
      pod.password_file,
      pod.memberships[0]!.member_id,
      `--resolve ${pod.fqdn}:4003:127.0.0.1`,
      '/data/network.json',
    ]) {
      assert.ok(text.includes(fact), `the summary names ${fact}`);
    }
    const podRow = text.split('\n').find((line) => line.includes(pod.account_id) && line.includes('pod1'));
    assert.ok(podRow?.includes(`https://${pod.fqdn}:4003`), 'the table gives the web URL by name');
    assert.equal(podRow?.includes(pod.web_url), false, 'not as https://127.0.0.1:PORT');
  });

  it('colours the progress only when asked to', () => {
    const plain = capture(false);
    plain.reporter.step({ part: 'pod1', action: 'started', message: 'pod1 serving' });
    assert.equal(hasAnsi(plain.output()), false);
    const coloured = capture(false, true);
    coloured.reporter.step({ part: 'pod1', action: 'started', message: 'pod1 serving' });
    assert.equal(hasAnsi(coloured.output()), true);
  });

  it('gives programs one JSON object per line, the ready line carrying network.json', () => {
    const { reporter, output } = capture(true);
    reporter.step({ part: 'directory', action: 'started', message: 'directory at ...' });
    reporter.ready(NETWORK, '/data/network.json');
    reporter.stopped('SIGINT');
    const lines = output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(lines[0], {
      event: 'progress',
      part: 'directory',
      action: 'started',
      message: 'directory at ...',
    });
    assert.deepEqual(lines[1], { event: 'ready', network_file: '/data/network.json', ...NETWORK });
    assert.deepEqual(lines[2], { event: 'stopped', signal: 'SIGINT' });
  });
});
