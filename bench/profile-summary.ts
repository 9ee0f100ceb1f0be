/**
 * Reading a V8 CPU profile (`node --cpu-prof`, a `.cpuprofile` file): the functions that spent the
 * most time on their own (self time, not counting what they called), and the same summed by where the
 * code lives (a package of node_modules, a folder of src/, node's internals). Pure, unit-tested in
 * test/unit/bench/profile-summary.test.ts; bench/profile.ts makes the profile.
 */

/** The parts of a `.cpuprofile` read here. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly hitCount?: number;
  }[];
  /** Microseconds. */
  readonly startTime: number;
  readonly endTime: number;
  /** The node of each sample, and the microseconds since the sample before it. */
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/**
 * Each node's samples within the last `lastMs` milliseconds of the profile (all of them without
 * `lastMs`), so that a summary can leave out a process's start-up.
 */
export function hitsWithin(profile: CpuProfile, lastMs?: number): { hits: Map<number, number>; ms: number } {
  const hits = new Map<number, number>();
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  if (lastMs === undefined || !profile.samples || !profile.timeDeltas) {
    for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
    return { hits, ms: totalMs };
  }
  const from = profile.endTime - lastMs * 1000;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas?.[i] ?? 0;
    if (at >= from) hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  return { hits, ms: Math.min(lastMs, totalMs) };
}

export interface SelfTime {
  readonly name: string;
  /** Share of the busy samples (idle left out), in percent. */
  readonly percent: number;
  readonly ms: number;
}

/** Not work of the program: the time the process waited for something to do. */
const IDLE = new Set(['(idle)']);

/** `node_modules/<package>`, `src/<folder>`, `node:<module>`, or what V8 calls the frame. */
export function placeOf(url: string): string {
  // The innermost package: the one whose code this is, not the one that depends on it.
  const modules = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].pop();
  if (modules) return modules[1] ?? url;
  const src = /\/src\/([^/]+)\//.exec(url);
  if (src) return `src/${src[1]}`;
  if (url.startsWith('node:')) return url.split('/')[0] ?? url;
  return url === '' ? '(native / V8)' : url;
}

function frameName(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const fn = frame.functionName || '(anonymous)';
  if (frame.url === '') return fn;
  const short = frame.url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules|src)\//, '$1/');
  return `${fn} ${short}:${frame.lineNumber + 1}`;
}

function top(entries: Map<string, number>, busy: number, durationMs: number, n: number): SelfTime[] {
  return [...entries.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, n)
    .map(([name, hits]) => ({
      name,
      percent: Math.round((hits / busy) * 1000) / 10,
      ms: Math.round((hits / busy) * durationMs),
    }));
}

/** The `n` greatest self times by function and by place, of the busy time of `profile` (or its last `lastMs`). */
export function summarizeProfile(
  profile: CpuProfile,
  n = 15,
  lastMs?: number,
): { busyMs: number; functions: SelfTime[]; places: SelfTime[] } {
  const window = hitsWithin(profile, lastMs);
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let busy = 0;
  let all = 0;
  for (const node of profile.nodes) {
    const hits = window.hits.get(node.id) ?? 0;
    all += hits;
    if (hits === 0 || IDLE.has(node.callFrame.functionName)) continue;
    busy += hits;
    const name = frameName(node.callFrame);
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    const place = placeOf(node.callFrame.url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + hits);
  }
  const busyMs = all === 0 ? 0 : Math.round((busy / all) * window.ms);
  return {
    busyMs,
    functions: busy === 0 ? [] : top(byFunction, busy, busyMs, n),
    places: busy === 0 ? [] : top(byPlace, busy, busyMs, n),
  };
}
