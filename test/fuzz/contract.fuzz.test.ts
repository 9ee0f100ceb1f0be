/**
 * Fuzz of contract reading (src/contract) on real contracts (the project's addressbook and the shared
 * contracts of the original BYODA, where present) with a few edits each, and on their JSON text with
 * characters changed. Oracle: `parseContract` either returns a contract or throws a ByodaError (never
 * another error); a contract it accepts also builds a GraphQL schema, summarizes, and compares with
 * the original (`diffContracts`) without an unexpected error.
 */
import { describe, it } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { diffContracts, parseContract, parseJsonText, summarizeContract } from '../../src/contract/index.js';
import { isByodaError } from '../../src/errors/index.js';
import { buildMembershipSchema } from '../../src/graphql/index.js';
import { SHARED_CONTRACTS, sharedContractPath } from '../fixtures/contracts.js';
import { EXAMPLE_CONTRACT_PATH, FuzzTally, describeInput, fuzzRuns, fuzzSeed } from '../fixtures/fuzz.js';
import { mutatedJson, mutatedText } from '../fixtures/json-mutations.js';

/** The contracts to mutate: those whose file exists (the shared folder is beside the repository). */
const BASES = [EXAMPLE_CONTRACT_PATH, ...SHARED_CONTRACTS.map((name) => sharedContractPath(name))]
  .filter((path) => existsSync(path))
  .map((path) => ({ path, text: readFileSync(path, 'utf8') }));

/** What went wrong with `step`, or undefined when it returned or threw a ByodaError. */
function fault(step: string, run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    if (isByodaError(err) && err.code !== 'BYODA_ERR_INTERNAL') return undefined;
    return `${step} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  }
}

/** Every check on one document; the first fault. */
function checkDocument(
  doc: unknown,
  original: ReturnType<typeof parseContract> | undefined,
): string | undefined {
  let contract: ReturnType<typeof parseContract> | undefined;
  const parsing = fault('parseContract', () => (contract = parseContract(doc)));
  if (parsing || !contract) return parsing;
  const accepted = contract;
  return (
    fault('buildMembershipSchema', () => buildMembershipSchema(accepted)) ??
    fault('summarizeContract', () => summarizeContract(accepted)) ??
    (original ? fault('diffContracts', () => diffContracts(original, accepted)) : undefined)
  );
}

describe('fuzz: contracts', () => {
  it('reads mutated real contracts or refuses them with a ByodaError', (t) => {
    const tally = new FuzzTally('contracts');
    for (const base of BASES) {
      const document = JSON.parse(base.text) as unknown;
      let original: ReturnType<typeof parseContract> | undefined;
      try {
        original = parseContract(document);
      } catch {
        original = undefined; // e.g. the unsigned dummy contract may not be valid as it is
      }
      fc.assert(
        fc.property(mutatedJson(document, 4), (doc) => {
          const failure = checkDocument(doc, original);
          tally.record(failure && `${base.path}: ${failure}; document ${describeInput(doc, 2000)}`);
        }),
        { numRuns: fuzzRuns(Math.ceil(1200 / BASES.length)), seed: fuzzSeed() },
      );
    }
    tally.report(t);
  });

  it('reads mutated contract text or refuses it with a ByodaError', (t) => {
    const tally = new FuzzTally('contract-text');
    for (const base of BASES) {
      fc.assert(
        fc.property(mutatedText(base.text), (text) => {
          let doc: unknown;
          const reading = fault('parseJsonText', () => (doc = parseJsonText(text, 'fuzz.json')));
          const failure = reading ?? (doc === undefined ? undefined : checkDocument(doc, undefined));
          tally.record(failure && `${base.path}: ${failure}`);
        }),
        { numRuns: fuzzRuns(Math.ceil(400 / BASES.length)), seed: fuzzSeed() },
      );
    }
    tally.report(t);
  });
});
