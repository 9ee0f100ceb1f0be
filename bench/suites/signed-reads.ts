/**
 * Reading signed records (spec §9): a page of 100 signed public assets through the pod's GraphQL
 * layer with each edge's `signature { verified }` selected (canonical JSON + one ECDSA P-256 check per
 * record, the signer's chain from the data cert cache) against the same page without it (the baseline).
 * In one process, on an in-memory SQLite namespace of the example contract.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { findClass, loadContractFile } from '../../src/contract/index.js';
import { createDataCertCache } from '../../src/federation/index.js';
import { MembershipEvents, buildMembershipSchema, executeMembershipQuery } from '../../src/graphql/index.js';
import type { MembershipContext } from '../../src/graphql/index.js';
import { memberDataCn } from '../../src/pki/index.js';
import { createRecordSignatures, signRecord } from '../../src/signing/index.js';
import { canonicalRecord, openSqliteStore } from '../../src/storage/index.js';
import { NETWORK, SERVICE_ID, makeHierarchy } from '../../test/fixtures/pki.js';
import { measure, ratio, type SuiteResult } from '../measure.js';

const PAGES = Number(process.env['BYODA_BENCH_PAGES'] ?? 40);
const RECORDS = 100;
const CONTRACT = fileURLToPath(new URL('../../contracts/addressbook.json', import.meta.url));

export async function signedReadsSuite(): Promise<SuiteResult> {
  const contract = await loadContractFile(CONTRACT);
  const assets = findClass(contract, 'public_assets');
  if (!assets) throw new Error('the example contract has no public_assets');
  const ca = await makeHierarchy(
    NETWORK,
    contract.serviceId === SERVICE_ID ? SERVICE_ID : contract.serviceId,
  );
  const signerId = randomUUID();
  const signer = await ca.membersCa.issueCredential(memberDataCn(NETWORK, contract.serviceId, signerId));
  const dataCerts = createDataCertCache({
    fetchChain: async () => signer.chainPem,
    rootCaPem: ca.root.credential.certPem,
    network: NETWORK,
    serviceId: contract.serviceId,
  });
  const store = await openSqliteStore(':memory:', contract);
  const events = new MembershipEvents();
  try {
    for (let i = 0; i < RECORDS; i++) {
      const data = canonicalRecord(assets, {
        asset_id: randomUUID(),
        created_timestamp: new Date().toISOString(),
        asset_type: 'note',
        title: `note ${i}`,
        contents: 'x'.repeat(200),
        keywords: ['bench', `n${i}`],
      });
      const signature = await signRecord({
        serviceId: contract.serviceId,
        className: assets.name,
        data,
        credential: signer,
      });
      await store.append(assets.name, data, { signature });
    }
    const schema = buildMembershipSchema(contract);
    const context: MembershipContext = {
      contract,
      store,
      requester: { kind: 'owner' },
      memberId: randomUUID(),
      events,
      signatures: createRecordSignatures({
        serviceId: contract.serviceId,
        credential: signer,
        fetchChain: (id) => dataCerts.get(id),
      }),
    };
    const page = (selection: string) => async (): Promise<void> => {
      const result = await executeMembershipQuery(schema, context, {
        query: `{ public_assets_connection(first: ${RECORDS}) { edges { node { asset_id title contents keywords } ${selection} } } }`,
      });
      if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
      const edges = (
        result.data?.['public_assets_connection'] as { edges: { signature?: { verified: boolean } }[] }
      ).edges;
      if (edges.length !== RECORDS || (selection && !edges.every((e) => e.signature?.verified))) {
        throw new Error('the page did not come back as expected');
      }
    };
    const plain = await measure(
      `page of ${RECORDS} records, signatures not asked (baseline)`,
      PAGES,
      page(''),
    );
    const verified = await measure(
      `page of ${RECORDS} signed records, each verified`,
      PAGES,
      page('signature { verified }'),
    );
    return {
      benchmark: 'reading signed records',
      unit: 'pages',
      baseline: plain,
      measurements: [verified],
      ratios: { verified_vs_unverified_page: ratio(verified, plain) },
    };
  } finally {
    events.close();
    await store.close();
  }
}
