/**
 * Putting the answers of several pods together (spec §8): in the order the pods were asked, each
 * record once, and all of them within one size bound, counted as the answers arrive, so that many
 * linked pods cannot together make one query hold more than the pod allows.
 */
import type { ProxyEdge, ProxyError, ProxyResult } from '../graphql/index.js';
import { jsonBytes } from '../graphql/index.js';
import type { RemoteAnswer } from './remote-query.js';

/** The bytes an answer's records take, as src/graphql counts them in the answer. */
function answerBytes(answer: RemoteAnswer): number {
  let bytes = 0;
  for (const edge of answer.edges) {
    bytes += jsonBytes(edge.node) + edge.cursor.length + (edge.signature?.length ?? 0);
  }
  return bytes;
}

/** `answer`, or an error for `from` when its records would take the merged total over `max`. */
export function withinMerged(
  answer: RemoteAnswer,
  from: string,
  merged: { bytes: number },
  max: number,
): RemoteAnswer {
  const bytes = answerBytes(answer);
  if (merged.bytes + bytes <= max) {
    merged.bytes += bytes;
    return answer;
  }
  const message = `records left out: the answers of all pods together would exceed ${max} bytes`;
  return { edges: [], errors: [{ origin: from, message, code: 'BYODA_ERR_TOO_LARGE' }, ...answer.errors] };
}

/**
 * In target order. An (origin, cursor) pair that arrives twice is kept once; edges with a withheld
 * origin are not compared, since the cursors of two pods may coincide.
 */
export function mergeAnswers(
  targets: readonly string[],
  answers: readonly RemoteAnswer[],
  withheldOrigin: (from: string) => string,
): ProxyResult {
  const edges: ProxyEdge[] = [];
  const errors: ProxyError[] = [];
  const seen = new Set<string>();
  answers.forEach((answer, index) => {
    const from = targets[index] ?? '';
    for (const edge of answer.edges) {
      if (edge.origin === null) {
        edges.push({ ...edge, origin: withheldOrigin(from) });
        continue;
      }
      const key = `${edge.origin} ${edge.cursor}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ ...edge, origin: edge.origin });
    }
    errors.push(...answer.errors);
  });
  return { edges, errors };
}
