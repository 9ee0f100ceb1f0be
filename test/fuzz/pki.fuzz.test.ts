/**
 * Fuzz of CSR and certificate checking (src/pki) on real ones of an in-memory network: their DER with
 * bytes changed, cut or grown, their PEM text edited, bundles shuffled and mixed. Oracle: every check
 * answers or throws a ByodaError (never another error); and nothing forged passes: a CSR that still
 * verifies names the CN its key signed, a chain that still verifies names the leaf's original identity,
 * and a CA signs no mutated CSR for another name.
 */
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isByodaError } from '../../src/errors/index.js';
import {
  accountFqdn,
  memberFqdn,
  parseIdentity,
  splitPemBundle,
  verifyChain,
  verifyChainBundle,
  verifyCsr,
  verifyRootCa,
} from '../../src/pki/index.js';
import type { Credential } from '../../src/pki/index.js';
import { FuzzTally, fuzzRuns, fuzzSeed } from '../fixtures/fuzz.js';
import { mutatedText } from '../fixtures/json-mutations.js';
import { NETWORK, SERVICE_ID, csrFor, makeHierarchy, newId } from '../fixtures/pki.js';
import type { Hierarchy } from '../fixtures/pki.js';

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/;

function pemToDer(pem: string): { label: string; der: Buffer } {
  const match = PEM_BLOCK.exec(pem);
  if (!match) throw new Error('not PEM');
  return { label: match[1]!, der: Buffer.from(match[2]!.replace(/\s+/g, ''), 'base64') };
}

function derToPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** DER with bytes changed, a cut, a tail, or a length octet rewritten: re-wrapped as PEM. */
function mutatedDer(pem: string): fc.Arbitrary<string> {
  const { label, der } = pemToDer(pem);
  const byte = fc.integer({ min: 0, max: 255 });
  return fc
    .oneof(
      fc.array(fc.tuple(fc.nat(), byte), { minLength: 1, maxLength: 4 }).map((edits) => {
        const out = Buffer.from(der);
        for (const [at, value] of edits) out[at % out.length] = value;
        return out;
      }),
      fc.nat().map((cut) => der.subarray(0, cut % der.length)),
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map((tail) => Buffer.concat([der, Buffer.from(tail)])),
      // Length octets are where parsers go wrong: rewrite one of the first bytes after a tag.
      fc
        .tuple(fc.integer({ min: 1, max: 40 }), fc.constantFrom(0x00, 0x7f, 0x80, 0x81, 0x84, 0xff))
        .map(([at, value]) => {
          const out = Buffer.from(der);
          out[Math.min(at, out.length - 1)] = value;
          return out;
        }),
    )
    .map((bytes) => derToPem(label, bytes));
}

/** A mutation of `pem` as bytes or as text. */
function mutatedPem(pem: string): fc.Arbitrary<string> {
  return fc.oneof({ weight: 3, arbitrary: mutatedDer(pem) }, { weight: 1, arbitrary: mutatedText(pem) });
}

/** Undefined when `run` answered or threw a ByodaError; else what it threw. */
async function unexpected(run: () => Promise<unknown>): Promise<{ value?: unknown; fault?: string }> {
  try {
    return { value: await run() };
  } catch (err) {
    if (isByodaError(err) && err.code !== 'BYODA_ERR_INTERNAL') return {};
    return { fault: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

describe('fuzz: CSRs and certificates', () => {
  let hierarchy: Hierarchy;
  let member: Credential;
  let csrCn = '';
  let csrPem = '';

  before(async () => {
    hierarchy = await makeHierarchy();
    member = await hierarchy.membersCa.issueCredential(memberFqdn(NETWORK, SERVICE_ID, newId()));
    csrCn = accountFqdn(NETWORK, newId());
    csrPem = (await csrFor(csrCn)).csrPem;
  });

  it('refuses mutated CSRs or accepts them only for the name their key signed', async (t) => {
    const tally = new FuzzTally('csr');
    await fc.assert(
      fc.asyncProperty(mutatedPem(csrPem), async (pem) => {
        const verified = await unexpected(() => verifyCsr(pem));
        const cn = (verified.value as { commonName?: string } | undefined)?.commonName;
        const signed = await unexpected(() => hierarchy.accountsCa.signCsr(pem, () => true));
        const signedCn = (signed.value as { commonName?: string } | undefined)?.commonName;
        const failure =
          verified.fault ??
          signed.fault ??
          (cn !== undefined && cn !== csrCn ? `a mutated CSR verified for ${cn}` : undefined) ??
          (signedCn !== undefined && signedCn !== csrCn
            ? `the CA signed a mutated CSR for ${signedCn}`
            : undefined);
        tally.record(failure && `${failure}; CSR ${JSON.stringify(pem)}`);
      }),
      { numRuns: fuzzRuns(300), seed: fuzzSeed() },
    );
    tally.report(t);
  });

  it('refuses mutated chains or verifies them only as the original identity', async (t) => {
    const tally = new FuzzTally('cert-chain');
    const [leaf, ...intermediates] = splitPemBundle(member.chainPem);
    const root = hierarchy.root.credential.certPem;
    // A bundle whose leaf no longer parses starts at its first intermediate: any genuine identity of
    // the chain may come out, never another one.
    const cas = [hierarchy.membersCa, hierarchy.serviceCa, hierarchy.servicesCa, hierarchy.root];
    const genuine = new Set(
      [member.identity, ...cas.map((ca) => ca.credential.identity)].map((id) => JSON.stringify(id)),
    );
    const expected = JSON.stringify(member.identity);
    const intermediatesArb = fc.oneof(
      fc.constant(intermediates),
      fc.shuffledSubarray(intermediates),
      fc
        .nat({ max: intermediates.length - 1 })
        .chain((i) =>
          mutatedPem(intermediates[i]!).map((bad) => intermediates.map((pem, k) => (k === i ? bad : pem))),
        ),
      fc.constant([...intermediates, ...intermediates, root]),
    );
    const caseArb = fc.oneof(
      fc.record({
        leaf: mutatedPem(leaf!),
        intermediates: fc.constant(intermediates),
        root: fc.constant(root),
      }),
      fc.record({ leaf: fc.constant(leaf!), intermediates: intermediatesArb, root: fc.constant(root) }),
      fc.record({
        leaf: fc.constant(leaf!),
        intermediates: fc.constant(intermediates),
        root: mutatedPem(root),
      }),
    );
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const chain = await unexpected(() => verifyChain(c.leaf, c.intermediates, c.root));
        const bundle = await unexpected(() =>
          verifyChainBundle([c.leaf, ...c.intermediates].join(''), c.root),
        );
        const rootCheck = await unexpected(() => verifyRootCa(c.root));
        const got =
          chain.value !== undefined && JSON.stringify(chain.value) !== expected
            ? chain.value
            : bundle.value !== undefined && !genuine.has(JSON.stringify(bundle.value))
              ? bundle.value
              : undefined;
        const failure =
          chain.fault ??
          bundle.fault ??
          rootCheck.fault ??
          (got !== undefined ? `a mutated chain verified as ${JSON.stringify(got)}` : undefined);
        tally.record(failure && `${failure}; leaf ${JSON.stringify(c.leaf.slice(0, 200))}`);
      }),
      { numRuns: fuzzRuns(150), seed: fuzzSeed() },
    );
    tally.report(t);
  });

  it('reads any common name as an identity of the network or as none, never throwing', (t) => {
    const tally = new FuzzTally('identity-names');
    const label = fc.oneof(
      fc.constantFrom('accounts', 'members-7', 'members-data-7', 'services', 'service-ca-7', 'root-ca', 'x'),
      fc.uuid(),
      fc.string({ maxLength: 12 }),
    );
    const cn = fc.oneof(
      fc.array(label, { maxLength: 6 }).map((labels) => [...labels, NETWORK].join('.')),
      fc.string({ maxLength: 80 }),
    );
    fc.assert(
      fc.property(cn, fc.constantFrom(NETWORK, undefined), (name, network) => {
        try {
          parseIdentity(name, network);
          tally.record();
        } catch (err) {
          tally.record(`parseIdentity(${JSON.stringify(name)}) threw ${String(err)}`);
        }
      }),
      { numRuns: fuzzRuns(3000), seed: fuzzSeed() },
    );
    tally.report(t);
  });
});
