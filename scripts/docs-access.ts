/**
 * `npm run docs:access`: writes the access table of the example contract (contracts/addressbook.json)
 * into docs/protocol.md, between the markers of "Consequences for the addressbook contract". With
 * `--check` it writes nothing and exits 1 when the doc and the contract disagree (what
 * test/unit/contract/access-doc.test.ts checks too).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { accessTable, loadContractFile } from '../src/contract/index.js';

export const EXAMPLE_CONTRACT = fileURLToPath(new URL('../contracts/addressbook.json', import.meta.url));
export const PROTOCOL_DOC = fileURLToPath(new URL('../docs/protocol.md', import.meta.url));
export const START_MARKER = '<!-- access-table: contracts/addressbook.json (npm run docs:access) -->';
export const END_MARKER = '<!-- end of access-table -->';

/** The example contract's access table, as the doc should hold it. */
export async function exampleAccessTable(): Promise<string> {
  return accessTable(await loadContractFile(EXAMPLE_CONTRACT));
}

/** What is between the markers of `doc` now; throws when they are missing. */
export function tableInDoc(doc: string): string {
  const start = doc.indexOf(START_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (start < 0 || end < start) {
    throw new Error(`docs/protocol.md lacks the markers ${START_MARKER} ... ${END_MARKER}`);
  }
  return doc.slice(start + START_MARKER.length, end).trim();
}

/** `doc` with `table` between its markers (a blank line on each side, as Markdown wants). */
export function withTable(doc: string, table: string): string {
  tableInDoc(doc);
  const start = doc.indexOf(START_MARKER) + START_MARKER.length;
  return `${doc.slice(0, start)}\n\n${table}\n\n${doc.slice(doc.indexOf(END_MARKER))}`;
}

async function main(): Promise<void> {
  const doc = await readFile(PROTOCOL_DOC, 'utf8');
  const table = await exampleAccessTable();
  if (process.argv.includes('--check')) {
    if (tableInDoc(doc) !== table) {
      process.stderr.write(
        'docs/protocol.md and contracts/addressbook.json disagree: run npm run docs:access\n',
      );
      process.exitCode = 1;
    }
    return;
  }
  const updated = withTable(doc, table);
  if (updated !== doc) await writeFile(PROTOCOL_DOC, updated);
  process.stdout.write(updated === doc ? 'docs/protocol.md is up to date\n' : 'docs/protocol.md updated\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
