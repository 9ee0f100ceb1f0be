/**
 * The network the HTTP, GraphQL, JWT and DNS fuzz runs against (not a test file): a directory, the
 * project's addressbook service and two pods as real processes, started once. Pod A's owner joins the
 * service, writes a record in every class and links pod B, which also joined; the fuzzer then asks as
 * anonymous clients, as A's owner (token), as member B (member TLS cert), as B's account, as the
 * service. `snapshot()` reads what refused requests must not change: every class of pod A as its owner
 * sees it, A's account, the directory's services and A's DNS names, the service's contract.
 */
import { readFile, readdir } from 'node:fs/promises';
import { Resolver } from 'node:dns/promises';
import { join } from 'node:path';
import type { Agent } from 'undici';
import type { GraphQLSchema } from 'graphql';
import { findClass, loadContractFile } from '../../src/contract/index.js';
import type { Contract } from '../../src/contract/index.js';
import { buildMembershipSchema } from '../../src/graphql/index.js';
import { directoryFqdn, memberFqdn, openServicePki } from '../../src/pki/index.js';
import type { Credential } from '../../src/pki/index.js';
import { CREDENTIALS } from '../../src/pod/index.js';
import { readableSelection, sampleInput } from '../fixtures/contract-samples.js';
import { EXAMPLE_CONTRACT_PATH } from '../fixtures/fuzz.js';
import { NETWORK, NetworkHarness } from '../fixtures/network-harness.js';
import type { ByodaProcess, PodInfo } from '../fixtures/network-harness.js';
import { OwnerSession } from '../integration/federation/owner-session.js';
import { podCredential, send, tlsAgent } from '../integration/pod/pod-clients.js';

/** Who a fuzzed request is from. */
export type Identity = 'anonymous' | 'owner' | 'memberB' | 'accountB' | 'service';

/** The servers (and ports) a request can go to. */
export type Target = 'directory' | 'service' | 'web' | 'member';

export class FuzzNetwork {
  readonly net: NetworkHarness;
  readonly contract: Contract;
  readonly schema: GraphQLSchema;
  readonly owner: OwnerSession;
  readonly memberB: OwnerSession;
  readonly #credentials: Partial<Record<Identity, Credential>>;
  readonly #agents = new Map<string, Agent>();

  private constructor(
    net: NetworkHarness,
    contract: Contract,
    sessions: [OwnerSession, OwnerSession],
    credentials: Partial<Record<Identity, Credential>>,
  ) {
    this.net = net;
    this.contract = contract;
    this.schema = buildMembershipSchema(contract);
    [this.owner, this.memberB] = sessions;
    this.#credentials = credentials;
  }

  static async start(): Promise<FuzzNetwork> {
    // The fuzzer sends thousands of requests from one address: the rate limit would answer most of
    // them with 429 and leave the code behind it untested (test/integration/http covers the limit).
    process.env['BYODA_RATE_LIMIT_PER_MINUTE'] = '0';
    const contract = await loadContractFile(EXAMPLE_CONTRACT_PATH);
    const net = await NetworkHarness.start({ pods: 2, contract: EXAMPLE_CONTRACT_PATH });
    try {
      const [podA, podB] = net.pods as [PodInfo, PodInfo];
      const { rootCaPem } = net.directory;
      const serviceId = net.service.serviceId;
      const sessions = await Promise.all([
        OwnerSession.join({ ...podA }, rootCaPem, serviceId),
        OwnerSession.join({ ...podB }, rootCaPem, serviceId),
      ]);
      const servicePassphrase = (await readFile(join(net.service.dataDir, 'passphrase'), 'utf8')).trim();
      const [memberB, accountB, servicePki] = await Promise.all([
        podCredential(podB, CREDENTIALS.memberTls(serviceId)),
        podCredential(podB, CREDENTIALS.accountTls),
        openServicePki(join(net.service.dataDir, 'pki'), servicePassphrase),
      ]);
      const world = new FuzzNetwork(net, contract, sessions, { memberB, accountB, service: servicePki.tls });
      await world.#writeSamples();
      return world;
    } catch (err) {
      await net.stop();
      throw err;
    }
  }

  get serviceId(): number {
    return this.net.service.serviceId;
  }

  get podA(): PodInfo {
    return this.net.pods[0]!;
  }

  get ownerToken(): string {
    return this.owner.token;
  }

  /** Every server process with its data folder, for the checks that all still run and log no error. */
  get processes(): { name: string; process: ByodaProcess; dataDir: string }[] {
    const { directory, service } = this.net;
    return [
      { name: 'directory', process: directory.process, dataDir: directory.dataDir },
      { name: 'service', process: service.process, dataDir: service.dataDir },
      ...this.net.pods.map((pod) => ({ name: pod.name, process: pod.process, dataDir: pod.dataDir })),
    ];
  }

  /** The JSON lines a server logged at level error or worse (its log files in `<data>/logs/`). */
  static async errorsLogged(dataDir: string): Promise<Record<string, unknown>[]> {
    const folder = join(dataDir, 'logs');
    const files = await readdir(folder).catch(() => [] as string[]);
    const errors: Record<string, unknown>[] = [];
    for (const file of files) {
      for (const line of (await readFile(join(folder, file), 'utf8')).split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (typeof entry['level'] === 'number' && entry['level'] >= 50) errors.push(entry);
      }
    }
    return errors;
  }

  /** The base URL of a target. */
  url(target: Target): string {
    switch (target) {
      case 'directory':
        return this.net.directory.url;
      case 'service':
        return this.net.service.url;
      case 'web':
        return this.podA.webUrl;
      case 'member':
        return this.podA.memberUrl;
    }
  }

  /** A pooled agent for `target` presenting `identity`'s certificate (the owner has a token, no cert). */
  agent(target: Target, identity: Identity): Agent {
    const key = `${target}/${identity}`;
    let agent = this.#agents.get(key);
    if (!agent) {
      const servername = {
        directory: directoryFqdn(NETWORK),
        service: this.net.service.fqdn,
        web: this.podA.fqdn,
        member: memberFqdn(NETWORK, this.serviceId, this.owner.memberId),
      }[target];
      agent = tlsAgent(this.net.directory.rootCaPem, servername, this.#credentials[identity]);
      this.#agents.set(key, agent);
    }
    return agent;
  }

  /** What refused requests must leave as it is. */
  async snapshot(): Promise<Record<string, unknown>> {
    const classes: Record<string, unknown> = {};
    for (const cls of this.contract.classes) {
      const fields = readableSelection(cls.fields, { kind: 'owner' });
      const query =
        cls.kind === 'array'
          ? `{ ${cls.name}_connection(first: 100) { total_count edges { node { ${fields} } } } }`
          : `{ ${cls.name} { ${fields} } }`;
      classes[cls.name] = await this.owner.data(query);
    }
    const anonymous = (target: Target) => this.agent(target, 'anonymous');
    const account = await send(anonymous('web'), `${this.podA.webUrl}/api/v1/pod/account`, {
      headers: { authorization: `Bearer ${this.ownerToken}` },
    });
    const services = await send(anonymous('directory'), `${this.net.directory.url}/api/v1/network/services`);
    const contract = await send(anonymous('service'), `${this.net.service.url}/api/v1/service/contract`);
    return {
      classes,
      account: account.json,
      services: services.json,
      contract: contract.json,
      dns: await this.#dns(),
    };
  }

  /** Pod A's names at the directory's DNS server: account and member, address and SRV. */
  async #dns(): Promise<unknown> {
    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    const { host, port } = this.net.directory.dns;
    resolver.setServers([`${host}:${port}`]);
    const names = [this.podA.fqdn, memberFqdn(NETWORK, this.serviceId, this.owner.memberId)];
    const answers: unknown[] = [];
    for (const name of names) {
      answers.push(await resolver.resolve4(name).catch((err: Error) => err.message));
      answers.push(await resolver.resolveSrv(`_byoda._tcp.${name}`).catch((err: Error) => err.message));
    }
    return answers;
  }

  /** A record in every class the owner may write, and a link to B (the firewall reads links). */
  async #writeSamples(): Promise<void> {
    for (const cls of this.contract.classes) {
      const sample = sampleInput(cls, { kind: 'owner' }, cls.kind === 'array' ? 'append' : 'update');
      if (!sample.ok || cls.name === 'network_links') continue;
      const mutation = cls.kind === 'array' ? `append_${cls.name}` : `mutate_${cls.name}`;
      await this.owner.data(
        `mutation($input: ${cls.typeName}_input!) { ${mutation}(input: $input) { __typename } }`,
        {
          input: sample.input,
        },
      );
    }
    if (findClass(this.contract, 'network_links')) await this.owner.link(this.memberB.memberId, 'friend');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((agent) => agent.close()));
    await Promise.all([this.owner.close(), this.memberB.close()]);
    await this.net.stop();
  }
}
