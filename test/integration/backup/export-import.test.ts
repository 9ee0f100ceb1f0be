/**
 * The owner's data export and import (docs/backup.md, "Export and import") over real pod processes:
 * pod A's owner exports with `byoda pod export`, a new pod C (not joined to anything) takes it with
 * `byoda pod import`, which joins the service and writes every record; bad documents are refused by
 * field with nothing written, and the endpoints refuse anyone but the owner.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Agent } from 'undici';
import { NetworkHarness, runByoda } from '../../fixtures/network-harness.js';
import { LOADED_MACHINE_ENV } from '../../fixtures/test-env.js';
import { EXAMPLE_CONTRACT, OwnerSession } from '../federation/owner-session.js';
import { ownerToken, podCredential, postJson, send, tlsAgent } from '../pod/pod-clients.js';

const MIKE = { given_name: 'Mike', family_name: 'Jones', email: 'mike@example.org' };

describe('owner data export and import', () => {
  let net: NetworkHarness;
  let a: OwnerSession;
  let work = '';
  let exportFile = '';
  const agents: Agent[] = [];

  before(async () => {
    net = await NetworkHarness.start({ pods: 2, contract: EXAMPLE_CONTRACT, podEnv: LOADED_MACHINE_ENV });
    const podA = net.pods[0]!;
    a = await OwnerSession.join(podA, net.directory.rootCaPem, net.service.serviceId);
    await a.storePerson(MIKE);
    for (let i = 0; i < 5; i += 1) await a.publish(`asset ${i}`);
    work = await mkdtemp(join(tmpdir(), 'byoda-export-test-'));
    exportFile = join(work, 'export.json');
  });

  after(async () => {
    await a?.close();
    await Promise.all(agents.map((agent) => agent.close()));
    await net?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const webAgent = (i: number): Agent => {
    const agent = tlsAgent(net.directory.rootCaPem, net.pods[i]!.fqdn);
    agents.push(agent);
    return agent;
  };

  it('exports every membership with byoda pod export', async () => {
    const result = await runByoda(['pod', 'export', '--data', net.pods[0]!.dataDir, '--out', exportFile]);
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(await readFile(exportFile, 'utf8')) as Record<string, unknown>;
    assert.equal(doc['format'], 'byoda-pod-export');
    assert.equal(doc['version'], 1);
    const [membership] = doc['memberships'] as {
      service_id: number;
      member_id: string;
      data: Record<string, unknown>;
    }[];
    assert.equal(membership?.member_id, a.memberId);
    assert.deepEqual(membership?.data['person'], MIKE);
    assert.equal((membership?.data['public_assets'] as unknown[]).length, 5);
  });

  it('refuses the export and import without the owner token, also to a member certificate', async () => {
    const podB = net.pods[1]!;
    const agent = webAgent(0);
    const exportUrl = `${net.pods[0]!.webUrl}/api/v1/pod/export`;
    assert.equal((await send(agent, exportUrl)).status, 401);
    assert.equal(
      (await send(agent, exportUrl, { headers: { authorization: 'Bearer not-a-token' } })).status,
      401,
    );
    assert.equal((await postJson(agent, `${net.pods[0]!.webUrl}/api/v1/pod/import`, {})).status, 401);
    // B's owner token is B's: it opens nothing on A.
    const tokenB = await ownerToken(webAgent(1), podB);
    assert.equal(
      (await send(agent, exportUrl, { headers: { authorization: `Bearer ${tokenB}` } })).status,
      401,
    );
    // A member certificate (B's account cert as client cert) on the member port: no such API there.
    const memberAgent = tlsAgent(
      net.directory.rootCaPem,
      `${a.memberId}.members-${net.service.serviceId}.byoda.test`,
      await podCredential(podB, 'account'),
    );
    agents.push(memberAgent);
    const onMemberPort = await send(memberAgent, `${net.pods[0]!.memberUrl}/api/v1/pod/export`);
    assert.ok([401, 403, 404].includes(onMemberPort.status), `member port: ${onMemberPort.status}`);
    assert.equal(
      (
        await send(agent, exportUrl, {
          headers: { authorization: `Bearer ${await ownerToken(agent, net.pods[0]!)}` },
        })
      ).status,
      200,
    );
  });

  it('refuses bad documents by field and writes nothing', async () => {
    const podB = net.pods[1]!;
    const agent = webAgent(1);
    const auth = { authorization: `Bearer ${await ownerToken(agent, podB)}` };
    const url = `${podB.webUrl}/api/v1/pod/import`;
    const doc = JSON.parse(await readFile(exportFile, 'utf8')) as Record<string, unknown>;
    const refused = async (body: unknown, status: number, field: RegExp) => {
      const answer = await postJson(agent, url, body, auth);
      assert.equal(answer.status, status, answer.text);
      assert.match(answer.text, field);
    };
    await refused({ ...doc, format: 'tar' }, 400, /body\/format/);
    await refused({ ...doc, version: 2 }, 400, /body\/version/);
    await refused({ ...doc, memberships: 'x' }, 400, /body\/memberships/);
    await refused(doc, 409, /body\/memberships\/0\/service_id: join service/); // B has not joined
    await runByoda(['pod', 'join', String(net.service.serviceId), '--data', podB.dataDir]);
    const membership = (doc['memberships'] as Record<string, unknown>[])[0]!;
    const withData = (data: Record<string, unknown>) => ({ ...doc, memberships: [{ ...membership, data }] });
    await refused(withData({ nothing: [] }), 400, /data\/nothing is not a class/);
    await refused(withData({ public_assets: {} }), 400, /data\/public_assets must be a list/);
    await refused(
      withData({ public_assets: [{ title: 'ok', asset_id: 'not-a-uuid' }] }),
      400,
      /data\/public_assets\/0/,
    );
    await refused(
      withData({ person: MIKE, public_assets: [{ nonsense_field: 1 }] }),
      400,
      /data\/public_assets\/0/,
    );
    // Nothing of the refused documents was written (the person came before the bad asset).
    const exported = await send(agent, `${podB.webUrl}/api/v1/pod/export`, { headers: auth });
    const data = (exported.json as { memberships: { data: Record<string, unknown> }[] }).memberships[0]!.data;
    assert.equal(data['person'], null);
    assert.deepEqual(data['public_assets'], []);
  });

  it('imports into a new pod with byoda pod import, which joins the service first', async () => {
    const podC = await net.addPod('pod3');
    const result = await runByoda(['pod', 'import', exportFile, '--data', podC.dataDir, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const c = await OwnerSession.signIn(podC, net.directory.rootCaPem, net.service.serviceId, '');
    try {
      const data = await c.data(
        '{ person { given_name family_name email } public_assets_connection { total_count edges { node { title } } } }',
      );
      assert.deepEqual(data['person'], MIKE);
      const assets = data['public_assets_connection'] as {
        total_count: number;
        edges: { node: { title: string } }[];
      };
      assert.equal(assets.total_count, 5);
      assert.deepEqual(assets.edges.map((e) => e.node.title).sort(), [
        'asset 0',
        'asset 1',
        'asset 2',
        'asset 3',
        'asset 4',
      ]);
    } finally {
      await c.close();
    }
    const again = await runByoda(['pod', 'import', exportFile, '--data', podC.dataDir]);
    assert.notEqual(again.code, 0, 'a second import into the same classes is refused');
    assert.match(again.stderr, /holds data already/);
  });
});
