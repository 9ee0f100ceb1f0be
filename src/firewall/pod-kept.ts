/**
 * Classes the pod fills itself rather than its clients (docs/protocol.md, "The owner's data log"):
 * whatever the contract grants on them, only the owner reads them and nobody writes them through the
 * API, so that nobody can forge, erase or (besides the owner) read the record of who asked for what.
 */
import { DATALOG_CLASS } from '../contract/index.js';
import type { Action } from '../contract/index.js';
import type { Requester } from './requester.js';

export { DATALOG_CLASS };

/**
 * Why `action` on `className` is refused because the pod keeps that class; undefined when the class
 * is not kept by the pod, or when it is the owner's read. A scoped token is refused too: the log says
 * which front ends asked for what, which is the owner's to see, not the front ends'.
 */
export function podKeptRefusal(className: string, action: Action, requester: Requester): string | undefined {
  if (className !== DATALOG_CLASS) return undefined;
  if (action === 'read' && requester.kind === 'owner') return undefined;
  return 'the data log is kept by the pod: only its owner may read it, nobody may write it';
}
