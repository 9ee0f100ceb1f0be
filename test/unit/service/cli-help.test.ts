import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { registerServiceCommands } from '../../../src/cli/service.js';

/** The help text of `byoda service <name>`, as `--help` prints it. */
function helpOf(name: string): string {
  const program = new Command('byoda');
  registerServiceCommands(program);
  const service = program.commands.find((command) => command.name() === 'service');
  const command = service?.commands.find((sub) => sub.name() === name);
  assert.ok(command, `byoda service ${name} exists`);
  return command.helpInformation();
}

describe('byoda service --help', () => {
  it('explains init: its required options, the root CA and the passphrase', () => {
    const help = helpOf('init');
    assert.match(help, /^Usage: byoda service init \[options\]/);
    for (const option of ['--data <dir>', '--contract <file>', '--directory <url>', '--root-ca <file>']) {
      assert.ok(help.includes(option), option);
    }
    assert.match(
      help,
      /--root-ca-sha256 <hex>[\s\S]*--network <name>[\s\S]*--passphrase-file <file>[\s\S]*--json/,
    );
  });

  it('explains start: where to listen and the ready event', () => {
    const help = helpOf('start');
    assert.match(help, /--host <address>[\s\S]*\(default: "127.0.0.1"\)/);
    assert.match(help, /--port <port>[\s\S]*\(default: 0\)/);
    assert.match(help, /--json\s+print a JSON "ready" event/);
    assert.match(
      help,
      /--store <url>\s+where the search index lives: sqlite:PATH\s+\(default: <data>\/search\.db\) or\s+postgres:\/\//,
    );
  });

  it('explains publish: a contract file and the data folder', () => {
    assert.match(helpOf('publish'), /^Usage: byoda service publish \[options\] <file>[\s\S]*--data <dir>/);
  });
});
