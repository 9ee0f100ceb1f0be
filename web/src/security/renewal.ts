/**
 * Keeps the owner logged in without keeping the password (docs/protocol.md "Owner sessions"): a few
 * minutes before the token expires, it is renewed in the same session. A refused renewal (the session
 * was ended elsewhere, or is a week old) logs out here too; a failed one (the pod is unreachable) is
 * tried again a little later, until the token has expired.
 */
import { currentSession, setSession } from '../api.js';
import type { Session } from '../api.js';
import { renewToken } from './security-api.js';

/** Renew this long before expiry: well inside the hour, with room for retries. */
const AHEAD_MS = 5 * 60_000;
const RETRY_MS = 30_000;

/** Schedules the renewals of `session`; returns the function that cancels them. */
export function keepRenewed(session: Session): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = (expiresAt: string, delay?: number) => {
    const wait = delay ?? Math.max(0, Date.parse(expiresAt) - Date.now() - AHEAD_MS);
    timer = setTimeout(() => void renew(expiresAt), wait);
  };
  const renew = async (expiresAt: string) => {
    if (stopped || !currentSession()) return;
    try {
      // Sets the session, whose listeners schedule the next renewal.
      setSession(await renewToken());
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 401) return; // checkAuth has logged out already.
      if (Date.parse(expiresAt) > Date.now() + 1000) schedule(expiresAt, RETRY_MS);
    }
  };
  schedule(session.expiresAt);
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
