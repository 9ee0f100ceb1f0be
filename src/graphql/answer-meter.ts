/**
 * The byte cap of one answer (or one subscription event), counted while the answer is built rather
 * than measured once it exists: a 225 MB answer must never be built to find out it is too large.
 *
 * What is counted is every record put into the answer, in full, when it enters it: read from storage,
 * merged from another pod, or carried by a subscription event. A record is what the pod holds in
 * memory for the answer whatever fields the client selects, so this bounds the memory one request
 * takes, and it is at least the bytes of the record's part of the answer. Local reads are taken one
 * at a time per request (`reading`): graphql-js starts every root field at once, and 250 aliases
 * would otherwise all read before the first one is counted. Once over the cap, every later read and
 * record is refused without work, and the whole answer becomes one BYODA_ERR_ANSWER_TOO_LARGE error
 * (execute.ts), so no partial answer of a refused request is sent.
 */
import { GraphQLError } from 'graphql';
import { ByodaError } from '../errors/index.js';
import type { JsonValue } from '../storage/index.js';

/**
 * About the bytes of `value` as JSON: strings by their UTF-8 length plus quotes, keys likewise, and
 * a byte per separator. Exact enough to cap by, without serializing anything.
 */
export function jsonBytes(value: JsonValue | undefined): number {
  if (value === null || value === undefined) return 4;
  switch (typeof value) {
    case 'string':
      return Buffer.byteLength(value) + 2;
    case 'number':
      return 8;
    case 'boolean':
      return 5;
    default:
      break;
  }
  let bytes = 2;
  if (Array.isArray(value)) {
    for (const item of value) bytes += jsonBytes(item) + 1;
    return bytes;
  }
  for (const [key, item] of Object.entries(value)) bytes += Buffer.byteLength(key) + 4 + jsonBytes(item);
  return bytes;
}

export class AnswerMeter {
  #bytes = 0;
  #tripped = false;
  #turn: Promise<unknown> = Promise.resolve();

  /** `who` names the requester kind in the refusal (its budget is what was exceeded). */
  constructor(
    readonly maxBytes: number,
    private readonly who: string,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  /** The cap was exceeded: the answer is refused as a whole. */
  get tripped(): boolean {
    return this.#tripped;
  }

  /** Counts `bytes` more; throws BYODA_ERR_ANSWER_TOO_LARGE once the answer is over the cap. */
  charge(bytes: number): void {
    this.check();
    this.#bytes += bytes;
    if (this.#bytes > this.maxBytes) {
      this.#tripped = true;
      throw this.refusal();
    }
  }

  /** Throws when the cap was already exceeded: resolvers call it before doing any work. */
  check(): void {
    if (this.#tripped) throw this.refusal();
  }

  /**
   * Runs `read` after every read of this answer before it, and counts what it returns (`size`) before
   * the next may start; once over the cap, later reads are refused without being made.
   */
  reading<T>(read: () => Promise<T>, size: (value: T) => number): Promise<T> {
    const run = async (): Promise<T> => {
      this.check();
      const value = await read();
      this.charge(size(value));
      return value;
    };
    const result = this.#turn.then(run, run);
    this.#turn = result.catch(() => undefined);
    return result;
  }

  /** A new event of a subscription is a new answer. */
  reset(): void {
    this.#bytes = 0;
    this.#tripped = false;
  }

  private refusal(): ByodaError {
    return new ByodaError(
      'BYODA_ERR_ANSWER_TOO_LARGE',
      `the answer is larger than ${this.maxBytes} bytes, the most this pod sends ${this.who} in one ` +
        'answer: ask for fewer records (first), or fewer aliases',
    );
  }

  /** The one error a refused answer consists of. */
  error(): GraphQLError {
    const refusal = this.refusal();
    return new GraphQLError(refusal.message, { extensions: { code: refusal.code } });
  }
}

/** The meter of an operation's context, whatever the transport typed the context as. */
export function answerMeterOf(contextValue: unknown): AnswerMeter | undefined {
  if (typeof contextValue !== 'object' || contextValue === null) return undefined;
  const meter = (contextValue as { answer?: unknown }).answer;
  return meter instanceof AnswerMeter ? meter : undefined;
}

/** `read` through the meter when there is one (see `AnswerMeter.reading`). */
export function meteredRead<T>(
  meter: AnswerMeter | undefined,
  read: () => Promise<T>,
  size: (value: T) => number,
): Promise<T> {
  return meter ? meter.reading(read, size) : read();
}

/** The bytes of records as they enter an answer. */
export function recordsBytes(records: readonly { readonly data: JsonValue }[]): number {
  let bytes = 0;
  for (const record of records) bytes += jsonBytes(record.data);
  return bytes;
}
