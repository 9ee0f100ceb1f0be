/**
 * `byoda contract check FILE` and `byoda contract diff OLD NEW`: validate a contract and print its
 * summary, or tell whether NEW may replace OLD (spec §5). Faults are thrown as `ByodaError`s, which
 * `main` prints as one line and turns into exit code 1.
 */
import type { Command } from 'commander';
import { ByodaError } from '../errors/index.js';
import {
  diffContracts,
  loadContractFile,
  summarizeContract,
  summarizeContractJson,
} from '../contract/index.js';
import type { ContractChange, ContractDiff, ContractWarning } from '../contract/index.js';

interface JsonOption {
  readonly json?: boolean;
}

export function registerContractCommands(program: Command): void {
  const contract = program.command('contract').description('check service contracts and their versions');
  contract
    .command('check')
    .description('validate a contract and print a summary of it')
    .argument('<file>', 'contract JSON file')
    .option('--json', 'print the summary as JSON')
    .action((file: string, options: JsonOption) => checkCommand(file, options));
  contract
    .command('diff')
    .description('tell whether NEW is a compatible (add-only) successor of OLD; exit 1 if not')
    .argument('<old>', 'contract JSON file of the current version')
    .argument('<new>', 'contract JSON file of the proposed version')
    .option('--json', 'print the comparison as JSON')
    .action((oldFile: string, newFile: string, options: JsonOption) =>
      diffCommand(oldFile, newFile, options),
    );
}

async function checkCommand(file: string, options: JsonOption): Promise<void> {
  const warnings: ContractWarning[] = [];
  const contract = await loadContractFile(file, { onWarning: (warning) => warnings.push(warning) });
  if (options.json) {
    print(JSON.stringify({ valid: true, warnings, summary: summarizeContractJson(contract) }, null, 2));
    return;
  }
  print(summarizeContract(contract));
  for (const warning of warnings)
    process.stderr.write(`byoda: warning: ${warning.message} (at ${warning.path})\n`);
}

async function diffCommand(oldFile: string, newFile: string, options: JsonOption): Promise<void> {
  const oldContract = await loadContractFile(oldFile);
  const newContract = await loadContractFile(newFile);
  const diff = diffContracts(oldContract, newContract);
  print(options.json ? JSON.stringify(diff, null, 2) : renderDiff(diff));
  if (!diff.compatible) {
    const count = diff.problems.length === 1 ? '1 problem' : `${diff.problems.length} problems`;
    throw new ByodaError(
      'BYODA_ERR_CONTRACT_INCOMPATIBLE',
      `${newFile} is not a compatible successor of ${oldFile} (${count}): ` +
        diff.problems.map((problem) => problem.message).join('; '),
    );
  }
}

function renderDiff(diff: ContractDiff): string {
  const verdict = diff.compatible
    ? `version ${diff.newVersion} is a compatible successor of version ${diff.oldVersion}`
    : `version ${diff.newVersion} is NOT a compatible successor of version ${diff.oldVersion}`;
  return [
    verdict,
    ...section('problems', diff.problems),
    ...section('additions', diff.additions),
    ...section('other changes', diff.changes),
    '',
  ].join('\n');
}

function section(title: string, entries: readonly ContractChange[]): string[] {
  return entries.length === 0
    ? []
    : ['', `${title} (${entries.length}):`, ...entries.map((e) => `  - ${e.message}`)];
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
