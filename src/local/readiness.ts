/**
 * "When, and only when, everything answers" (spec §11): before network.json is written, every server
 * is asked over HTTPS exactly as a client of network.json would: the certificate must chain to the
 * root CA and name the server's FQDN (sent as SNI), and the answer must be 200. The directory's DNS
 * server must also give each name the address and port (SRV) it listens on now, since ports change
 * from run to run and pods find each other by those records.
 */
import { request } from 'undici';
import { byodaSrvName, createResolver } from '../dns/index.js';
import type { DnsResolver } from '../dns/index.js';
import { ByodaError } from '../errors/index.js';
import { createTlsAgent } from '../network/index.js';
import { DATA_CERT_PATH } from '../pod/index.js';
import { CONTRACT_PATH } from '../service/index.js';
import { mapBounded } from '../bounded/index.js';
import type { NetworkJson, PodJson } from './network-file.js';

/** A local server answers in milliseconds; waiting longer only delays reporting the fault. */
const PROBE_TIMEOUT_MS = 10_000;
/** Endpoints checked at once: each is a TLS handshake and two DNS questions. */
const PROBE_CONCURRENCY = 32;

interface Endpoint {
  /** For the error message: `pod1 (member port)`, ... */
  readonly what: string;
  readonly url: string;
  readonly path: string;
  readonly fqdn: string;
  /** Whether the name has an SRV record with the port (the directory is found by its URL instead). */
  readonly srv: boolean;
}

/** Resolves when every server answers; otherwise throws BYODA_ERR_UNREACHABLE naming the first fault. */
export async function checkNetworkAnswers(network: NetworkJson, rootCaPem: string): Promise<void> {
  const resolver = createResolver({ ...network.dns, timeoutMs: PROBE_TIMEOUT_MS });
  // Bounded: with a thousand pods, probing every port at once would time out on the probes' own load.
  await mapBounded(endpoints(network), PROBE_CONCURRENCY, async (endpoint) => {
    await Promise.all([probeHttps(endpoint, rootCaPem), probeDns(endpoint, resolver)]);
  });
}

/** Every HTTPS server of the network, with a public path that answers 200 and the name it must carry. */
function endpoints(network: NetworkJson): Endpoint[] {
  const { directory } = network;
  return [
    { what: 'the directory', url: directory.url, path: '/root-ca.pem', fqdn: directory.fqdn, srv: false },
    ...network.services.map((service) => ({
      what: `service ${service.name}`,
      url: service.url,
      path: CONTRACT_PATH,
      fqdn: service.fqdn,
      srv: true,
    })),
    ...network.pods.flatMap(podEndpoints),
  ];
}

/**
 * A pod's web port (named by the account) and its member port once per membership (SNI picks the
 * member cert). The data cert route is public on both ports, so it needs no login.
 */
function podEndpoints(pod: PodJson): Endpoint[] {
  const dataCertPath = (serviceId: number): string => DATA_CERT_PATH.replace(':serviceId', String(serviceId));
  const [first] = pod.memberships;
  const web: Endpoint[] = first
    ? [
        {
          what: `${pod.name} (web port)`,
          url: pod.web_url,
          path: dataCertPath(first.service_id),
          fqdn: pod.fqdn,
          srv: true,
        },
      ]
    : [];
  return [
    ...web,
    ...pod.memberships.map((membership) => ({
      what: `${pod.name} (member port)`,
      url: pod.member_url,
      path: dataCertPath(membership.service_id),
      fqdn: membership.fqdn,
      srv: true,
    })),
  ];
}

async function probeHttps(endpoint: Endpoint, rootCaPem: string): Promise<void> {
  const agent = createTlsAgent({ rootCaPem, servername: endpoint.fqdn, timeoutMs: PROBE_TIMEOUT_MS });
  try {
    const response = await request(new URL(endpoint.path, endpoint.url), { dispatcher: agent });
    await response.body.dump();
    if (response.statusCode !== 200) {
      throw notAnswering(endpoint, `${endpoint.path} answered ${response.statusCode}`);
    }
  } catch (err) {
    if (err instanceof ByodaError) throw err;
    throw notAnswering(endpoint, err instanceof Error ? err.message : String(err), err);
  } finally {
    await agent.close();
  }
}

/** The name's A record must be the URL's host and its SRV record the URL's port. */
async function probeDns(endpoint: Endpoint, resolver: DnsResolver): Promise<void> {
  const { hostname, port } = new URL(endpoint.url);
  try {
    const addresses = await resolver.resolveA(endpoint.fqdn);
    if (!addresses.includes(hostname)) {
      throw notAnswering(endpoint, `DNS gives ${endpoint.fqdn} ${addresses.join(', ')}, not ${hostname}`);
    }
    if (!endpoint.srv) return;
    const ports = (await resolver.resolveSrv(byodaSrvName(endpoint.fqdn))).map((srv) => srv.port);
    if (!ports.includes(Number(port))) {
      throw notAnswering(endpoint, `DNS gives ${endpoint.fqdn} port ${ports.join(', ')}, not ${port}`);
    }
  } catch (err) {
    if (err instanceof ByodaError && err.code === 'BYODA_ERR_UNREACHABLE') throw err;
    throw notAnswering(endpoint, err instanceof Error ? err.message : String(err), err);
  }
}

function notAnswering(endpoint: Endpoint, reason: string, cause?: unknown): ByodaError {
  return new ByodaError(
    'BYODA_ERR_UNREACHABLE',
    `${endpoint.what} at ${endpoint.url} is not ready: ${reason}`,
    {
      cause,
    },
  );
}
