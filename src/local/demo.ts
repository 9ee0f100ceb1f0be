/**
 * `byoda demo`: the example that introduced BYODA, run for real (spec §8; shared/spec/reference.md,
 * "The idea"). Two siblings, Suzie and Mike, each have a pod; the pods store that their owners are
 * family; to learn where Suzie's family lives, you ask her pod, which gets the home addresses from the
 * pods it has a `family` link to.
 *
 * On a fresh network in a temporary folder (pod1 is Suzie's, pod2 Mike's): each owner logs in and
 * writes their `person`, Mike with his home address; each links the other as `family`; Suzie asks her
 * pod `person_connection(depth: 1, relations: ["family"])`. It succeeds only if the answer holds Mike's
 * home address with `origin` = Mike's member id. The network is stopped and the folder removed
 * whatever happens.
 */
import { isDeepStrictEqual } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByodaError } from '../errors/index.js';
import { LocalNetwork } from './local-network.js';
import type { NetworkJson, PodJson } from './network-file.js';
import { OwnerApi } from '../network/index.js';
import type { GraphqlAnswer } from '../network/index.js';
import type { ProgressEvent, ProgressListener } from './progress.js';

/** A person of the story, the pod they own, and the address card they write. */
export interface DemoPerson {
  readonly name: string;
  readonly pod: string;
  readonly person: Readonly<Record<string, unknown>>;
}

const MIKES_HOME = { street: '12 Elm Street', city: 'Springfield', postal_code: '49007', country: 'US' };

export const DEMO_PEOPLE: readonly [DemoPerson, DemoPerson] = [
  {
    name: 'Suzie',
    pod: 'pod1',
    person: { given_name: 'Suzie', family_name: 'Jones', email: 'suzie@example.com' },
  },
  {
    name: 'Mike',
    pod: 'pod2',
    person: { given_name: 'Mike', family_name: 'Jones', email: 'mike@example.com', home_address: MIKES_HOME },
  },
];

export const DEMO_RELATION = 'family';

/** What Suzie asks her pod: her family's address cards, one hop away, with where each came from. */
export const FAMILY_QUERY = `query {
  person_connection(depth: 1, relations: ["${DEMO_RELATION}"]) {
    total_count
    edges {
      origin
      node { given_name family_name email home_address { street city postal_code country } }
    }
    remote_errors { origin message }
  }
}`;

const WRITE_PERSON = `mutation ($input: person_input!) {
  mutate_person(input: $input) { given_name family_name }
}`;

const APPEND_LINK = `mutation ($input: network_link_input!) {
  append_network_links(input: $input) { member_id relation }
}`;

/** What the demo reports, step by step. */
export interface DemoListener {
  /** A step of starting or stopping the network; `part` is `Suzie's pod` rather than `pod1`. */
  network(event: ProgressEvent): void;
  /** Someone did something. */
  step(who: string, message: string): void;
  /** A GraphQL document about to be sent. */
  query(who: string, document: string): void;
  /** The answer to it. */
  answer(who: string, answer: GraphqlAnswer): void;
  /** The verdict on the answer, before the network stops. */
  result(outcome: DemoOutcome): void;
}

export interface DemoOptions {
  readonly listener: DemoListener;
  /** Aborting it stops the demo between two steps (the network is still stopped and removed). */
  readonly signal?: AbortSignal;
  /** Where the temporary folder is made (default: the system's). */
  readonly tmpDir?: string;
}

export interface DemoOutcome {
  readonly ok: boolean;
  /** Why not, in one line, when not ok. */
  readonly reason?: string;
  /** The data Suzie's pod answered (null when it answered none). */
  readonly answer: unknown;
  /** When ok: the origin of Mike's record, his member id. */
  readonly origin?: string;
}

/** A person's session with their own pod. */
interface Owner {
  readonly who: DemoPerson;
  readonly pod: PodJson;
  readonly memberId: string;
  readonly api: OwnerApi;
}

export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const { listener, signal } = options;
  const checkpoint = (): void => {
    if (signal?.aborted) throw interrupted();
  };
  const dataDir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'byoda-demo-'));
  const network = new LocalNetwork();
  const owners: Owner[] = [];
  try {
    listener.step('demo', `starting a fresh network in ${dataDir}`);
    const info = await network.start({
      dataDir,
      pods: DEMO_PEOPLE.length,
      progress: namedProgress(listener),
      ...(signal ? { signal } : {}),
    });
    for (const who of DEMO_PEOPLE) owners.push(await logIn(info, who, listener));
    const [suzie, mike] = owners as [Owner, Owner];
    for (const step of [
      () => writePerson(suzie, listener),
      () => writePerson(mike, listener),
      () => link(suzie, mike, listener),
      () => link(mike, suzie, listener),
    ]) {
      checkpoint();
      await step();
    }
    checkpoint();
    listener.query(suzie.who.name, FAMILY_QUERY);
    const answer = await suzie.api.graphql(serviceOf(suzie), FAMILY_QUERY);
    listener.answer(suzie.who.name, answer);
    const outcome = judge(answer, mike);
    listener.result(outcome);
    return outcome;
  } catch (err) {
    // However far it got (the network's start says "the start was interrupted"), say it as the demo.
    if (signal?.aborted) throw interrupted();
    throw err;
  } finally {
    await Promise.all(owners.map((owner) => owner.api.close()));
    // A failed stop must not hide the demo's own outcome or error; it is reported, and the folder goes.
    await network
      .stop()
      .catch((err: unknown) => listener.step('demo', `stopping the network failed: ${String(err)}`));
    await rm(dataDir, { recursive: true, force: true });
    listener.step('demo', `network stopped, ${dataDir} removed`);
  }
}

/** Network progress with the pods named after their owners. */
function namedProgress(listener: DemoListener): ProgressListener {
  const names = new Map(DEMO_PEOPLE.map((p) => [p.pod, `${p.name}'s pod`]));
  return {
    starting: () => undefined,
    step: (event) => listener.network({ ...event, part: names.get(event.part) ?? event.part }),
    ready: () => undefined,
  };
}

async function logIn(info: NetworkJson, who: DemoPerson, listener: DemoListener): Promise<Owner> {
  const pod = info.pods.find((p) => p.name === who.pod);
  const membership = pod?.memberships[0];
  if (!pod || !membership) throw new ByodaError('BYODA_ERR_INTERNAL', `the network has no member ${who.pod}`);
  const api = new OwnerApi({
    webUrl: pod.web_url,
    fqdn: pod.fqdn,
    rootCaPem: await readFile(info.root_ca, 'utf8'),
  });
  const password = (await readFile(pod.password_file, 'utf8')).split(/\r?\n/)[0] ?? '';
  await api.login(pod.username, password).catch(async (err: unknown) => {
    await api.close();
    throw err;
  });
  listener.step(who.name, `logged in to ${pod.fqdn}; member ${membership.member_id} of the addressbook`);
  return { who, pod, memberId: membership.member_id, api };
}

async function writePerson(owner: Owner, listener: DemoListener): Promise<void> {
  await mutate(owner, WRITE_PERSON, { input: owner.who.person }, 'mutate_person');
  const home = owner.who.person['home_address'];
  const where = home === undefined ? '' : `, home ${Object.values(home as object).join(', ')}`;
  listener.step(owner.who.name, `wrote a person: ${describePerson(owner.who.person)}${where}`);
}

async function link(from: Owner, to: Owner, listener: DemoListener): Promise<void> {
  const input = {
    member_id: to.memberId,
    relation: DEMO_RELATION,
    created_timestamp: new Date().toISOString(),
  };
  await mutate(from, APPEND_LINK, { input }, 'append_network_links');
  listener.step(from.who.name, `linked ${to.who.name} (${to.memberId}) as ${DEMO_RELATION}`);
}

/** A mutation that must succeed: its first error stops the demo. */
async function mutate(owner: Owner, document: string, variables: Record<string, unknown>, field: string) {
  const answer = await owner.api.graphql(serviceOf(owner), document, variables);
  const error = answer.errors[0];
  if (error || answer.data?.[field] === null || answer.data?.[field] === undefined) {
    const why = error?.message ?? 'no data';
    throw new ByodaError('BYODA_ERR_INTERNAL', `${owner.who.name}'s pod refused ${field}: ${why}`);
  }
}

/** The verdict: Mike's home address, credited to Mike's member id. */
export function judge(answer: GraphqlAnswer, mike: { memberId: string; who: DemoPerson }): DemoOutcome {
  const data = answer.data;
  const fail = (reason: string): DemoOutcome => ({ ok: false, reason, answer: data });
  const error = answer.errors[0];
  if (error) return fail(`Suzie's pod answered with an error: ${error.message}`);
  const connection = asRecord(data?.['person_connection']);
  const edges = Array.isArray(connection?.['edges']) ? connection['edges'].map(asRecord) : [];
  const fromMike = edges.find((edge) => edge?.['origin'] === mike.memberId);
  if (!fromMike) {
    const remote = Array.isArray(connection?.['remote_errors'])
      ? connection['remote_errors'].map(asRecord)
      : [];
    const why = remote.find((e) => e?.['origin'] === mike.memberId)?.['message'];
    return fail(
      typeof why === 'string'
        ? `Mike's pod did not answer: ${why}`
        : `the answer has no record with origin ${mike.memberId} (Mike's member id)`,
    );
  }
  const home = asRecord(fromMike['node'])?.['home_address'];
  if (!isDeepStrictEqual(home, mike.who.person['home_address'])) {
    return fail(`the record from Mike's pod does not hold his home address (got ${JSON.stringify(home)})`);
  }
  return { ok: true, answer: data, origin: mike.memberId };
}

function describePerson(person: Readonly<Record<string, unknown>>): string {
  return `${String(person['given_name'])} ${String(person['family_name'])} <${String(person['email'])}>`;
}

function serviceOf(owner: Owner): number {
  const membership = owner.pod.memberships[0];
  if (!membership) throw new ByodaError('BYODA_ERR_INTERNAL', `${owner.pod.name} is a member of no service`);
  return membership.service_id;
}

function interrupted(): ByodaError {
  return new ByodaError('BYODA_ERR_CONFIG', 'the demo was interrupted; the network is stopped');
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
