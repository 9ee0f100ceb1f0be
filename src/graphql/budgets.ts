/**
 * What one GraphQL answer may cost, per kind of requester (docs/protocol.md, "Limits and errors"):
 * a cost budget judged before execution (cost.ts: estimated values of the answer) and a cap on the
 * bytes of the answer, counted while it is built (answer-meter.ts). Anonymous clients get the least,
 * the owner the most: an anonymous document must not be able to make the pod do more than a member's
 * could, and the owner reads their own data in bulk.
 */
import { ByodaError } from '../errors/index.js';
import type { RequesterKind } from '../firewall/index.js';

export interface AnswerBudget {
  /** Greatest estimated cost of a document (values in the answer, cost.ts). */
  readonly maxCost: number;
  /** Greatest size of one answer (or one subscription event) in bytes, counted as it is built. */
  readonly maxAnswerBytes: number;
}

export type AnswerBudgets = Readonly<Record<RequesterKind, AnswerBudget>>;

const MIB = 1024 * 1024;

/**
 * Defaults. A page is at most 100 records, so an anonymous client can read a full page of about 18
 * fields, a member a few such pages, and the owner dozens; the amplification document (250 aliases of
 * a default page) is over anyone's but the owner's, whose answer the byte cap bounds. The byte caps
 * leave room for a few records near the 1 MiB body limit.
 */
export const DEFAULT_ANSWER_BUDGETS: AnswerBudgets = {
  anonymous: { maxCost: 2_000, maxAnswerBytes: 4 * MIB },
  member: { maxCost: 10_000, maxAnswerBytes: 16 * MIB },
  service: { maxCost: 10_000, maxAnswerBytes: 16 * MIB },
  app: { maxCost: 10_000, maxAnswerBytes: 16 * MIB },
  owner: { maxCost: 100_000, maxAnswerBytes: 64 * MIB },
  // A third-party front end with a scoped token: a member's budget, not the owner's.
  delegate: { maxCost: 10_000, maxAnswerBytes: 16 * MIB },
};

/** Partial budgets as a configuration gives them: missing kinds and figures keep the defaults. */
export type AnswerBudgetsConfig = Partial<Record<RequesterKind, Partial<AnswerBudget>>>;

const KINDS: readonly RequesterKind[] = ['anonymous', 'member', 'service', 'app', 'owner', 'delegate'];
/** Bounds of a configured figure: at least one value or byte, at most what a safe integer holds. */
const MAX_FIGURE = Number.MAX_SAFE_INTEGER;

function checkFigure(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_FIGURE) {
    throw new ByodaError('BYODA_ERR_CONFIG', `${name} must be a whole number, at least 1`);
  }
  return value;
}

/**
 * The defaults with `config` over them, checked: a bad figure stops the pod at start (BYODA_ERR_CONFIG
 * naming it) rather than letting it serve without a limit.
 */
export function answerBudgets(config: AnswerBudgetsConfig = {}): AnswerBudgets {
  if (typeof config !== 'object' || config === null) {
    throw new ByodaError('BYODA_ERR_CONFIG', 'answer budgets must be an object keyed by requester kind');
  }
  for (const key of Object.keys(config)) {
    if (!KINDS.includes(key as RequesterKind)) {
      throw new ByodaError('BYODA_ERR_CONFIG', `answer budgets: unknown requester kind '${key}'`);
    }
  }
  const result: Partial<Record<RequesterKind, AnswerBudget>> = {};
  for (const kind of KINDS) {
    const given = config[kind] ?? {};
    const defaults = DEFAULT_ANSWER_BUDGETS[kind];
    result[kind] = {
      maxCost: checkFigure(given.maxCost ?? defaults.maxCost, `${kind}.maxCost`),
      maxAnswerBytes: checkFigure(given.maxAnswerBytes ?? defaults.maxAnswerBytes, `${kind}.maxAnswerBytes`),
    };
  }
  return result as AnswerBudgets;
}

/** The environment variable that carries budgets as JSON, e.g. `{"anonymous":{"maxCost":2000}}`. */
export const ANSWER_BUDGETS_ENV = 'BYODA_GRAPHQL_BUDGETS';

/** Budgets from the environment, or undefined when it sets none; malformed JSON is BYODA_ERR_CONFIG. */
export function answerBudgetsFromEnv(env: NodeJS.ProcessEnv): AnswerBudgets | undefined {
  const text = env[ANSWER_BUDGETS_ENV]?.trim();
  if (text === undefined || text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ByodaError('BYODA_ERR_CONFIG', `${ANSWER_BUDGETS_ENV} is not JSON`);
  }
  return answerBudgets(parsed as AnswerBudgetsConfig);
}
