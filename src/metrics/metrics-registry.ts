/**
 * The operator's metrics (Prometheus text format, prom-client): one `MetricsRegistry` per metrics
 * endpoint, never prom-client's global registry. Every server of a process that shares the endpoint
 * (the many pods of `byoda up` or of the scale bench) records into the same metric families, told apart
 * by two labels: `server` (its kind: directory, service, pod-web, pod-member) and `fqdn` (its TLS name).
 * Both are bounded by the servers of the process, so one endpoint serves any number of them without
 * the duplicate-name clash of merging one registry per server.
 *
 * Database sizes and certificate expiry times are read when scraped, from sources the servers add on
 * start and remove on stop (`addSource`): nothing of them runs per request.
 */
import { X509Certificate } from 'node:crypto';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A database file of a server, measured with its write-ahead log. */
export interface MeasuredDatabase {
  readonly path: string;
}

/** A certificate of a server, named for the label (`account-tls`, `member-<S>`, ...). */
export interface MeasuredCertificate {
  readonly name: string;
  /** PEM; a chain counts by its first (leaf) certificate. */
  readonly pem: string;
}

/** What a running server shows at scrape time; read per scrape so renewed certificates show at once. */
export interface MetricsSource {
  readonly server: string;
  readonly fqdn: string;
  readonly databases?: () => readonly MeasuredDatabase[];
  readonly certificates?: () => readonly MeasuredCertificate[];
}

/** Seconds: from a fast local answer to a fan-out that waits for its deadline (10 s by default). */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Pods one recursive query is sent to. */
const TARGET_BUCKETS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256];

export class MetricsRegistry {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'server' | 'fqdn' | 'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'server' | 'fqdn' | 'method' | 'route'>;
  readonly fanOuts: Counter<'fqdn' | 'mode'>;
  readonly fanOutTargets: Histogram<'fqdn' | 'mode'>;
  readonly peerRequests: Counter<'fqdn' | 'outcome'>;
  readonly peerDuration: Histogram<'fqdn'>;
  readonly #sources = new Set<MetricsSource>();
  /** notAfter per PEM, so that a scrape parses each certificate once in its life. */
  readonly #expiry = new Map<string, number>();

  constructor() {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: 'byoda_http_requests_total',
      help: 'HTTP requests answered, by route template (never the raw path) and status code.',
      labelNames: ['server', 'fqdn', 'method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'byoda_http_request_duration_seconds',
      help: 'Time from a request to its answer, by route template.',
      labelNames: ['server', 'fqdn', 'method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.fanOuts = new Counter({
      name: 'byoda_federation_fanouts_total',
      help: 'Queries this pod sent on to other pods: remote (one member) or recursive (linked pods).',
      labelNames: ['fqdn', 'mode'],
      registers,
    });
    this.fanOutTargets = new Histogram({
      name: 'byoda_federation_fanout_targets',
      help: 'Pods one forwarded query was sent to.',
      labelNames: ['fqdn', 'mode'],
      buckets: TARGET_BUCKETS,
      registers,
    });
    this.peerRequests = new Counter({
      name: 'byoda_federation_peer_requests_total',
      help: 'Answers of other pods to forwarded queries: ok, error or timeout.',
      labelNames: ['fqdn', 'outcome'],
      registers,
    });
    this.peerDuration = new Histogram({
      name: 'byoda_federation_peer_request_duration_seconds',
      help: 'Time another pod took to answer a forwarded query (or to fail).',
      labelNames: ['fqdn'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const sources = this.#sources;
    const expiryOf = (pem: string): number | undefined => this.#expiryOf(pem);
    new Gauge({
      name: 'byoda_database_size_bytes',
      help: 'Bytes a SQLite database takes on disk, its write-ahead log included.',
      labelNames: ['server', 'fqdn', 'database'],
      registers,
      collect() {
        this.reset();
        for (const source of sources) {
          for (const db of source.databases?.() ?? []) {
            const bytes = fileBytes(db.path) + fileBytes(`${db.path}-wal`);
            this.set({ server: source.server, fqdn: source.fqdn, database: basename(db.path) }, bytes);
          }
        }
      },
    });
    new Gauge({
      name: 'byoda_certificate_expiry_timestamp_seconds',
      help: 'When a certificate of a server expires (notAfter), in Unix seconds.',
      labelNames: ['server', 'fqdn', 'certificate'],
      registers,
      collect() {
        this.reset();
        for (const source of sources) {
          for (const cert of source.certificates?.() ?? []) {
            const expiry = expiryOf(cert.pem);
            if (expiry === undefined) continue;
            this.set({ server: source.server, fqdn: source.fqdn, certificate: cert.name }, expiry);
          }
        }
      },
    });
  }

  /** Shows `source` in every scrape until the returned function is called (the server stopped). */
  addSource(source: MetricsSource): () => void {
    this.#sources.add(source);
    return () => {
      this.#sources.delete(source);
    };
  }

  /** The Prometheus text exposition of everything recorded. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #expiryOf(pem: string): number | undefined {
    const known = this.#expiry.get(pem);
    if (known !== undefined) return known;
    try {
      const seconds = Math.floor(Date.parse(new X509Certificate(pem).validTo) / 1000);
      if (this.#expiry.size > 10_000) this.#expiry.clear();
      this.#expiry.set(pem, seconds);
      return seconds;
    } catch {
      return undefined; // a file replaced by something unparsable is left out, not a failed scrape
    }
  }
}

/** Bytes of a file; 0 when it does not exist (a WAL checkpointed away, a database not made yet). */
function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
