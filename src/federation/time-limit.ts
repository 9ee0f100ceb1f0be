/**
 * Time limits of pod-to-pod work that leave nothing behind once the work is done. Node's
 * `AbortSignal.timeout` keeps its timer to the end even after the request answered (a pod answering a
 * few thousand forwarded queries a second holds tens of thousands of them), and `AbortSignal.any`
 * is held until a garbage collection; both showed in the proxied read's profile (issue 12). A
 * `TimeLimit` clears its timer and its listener on the caller's signal when it is released.
 */

export interface TimeLimit {
  /** Aborts after the limit (with a `TimeoutError`) or when the parent signal aborts (with its reason). */
  readonly signal: AbortSignal;
  /** Whether the limit itself ran out (not the parent). */
  readonly timedOut: boolean;
  /** Clears the timer and the listener on the parent: call it once the work is over. */
  release(): void;
}

/** A limit of `ms` milliseconds, ending early when `parent` aborts. */
export function timeLimit(ms: number, parent?: AbortSignal): TimeLimit {
  const controller = new AbortController();
  let timedOut = false;
  const onParentAbort = (): void => controller.abort(parent?.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`the operation timed out after ${ms} ms`, 'TimeoutError'));
  }, ms);
  // A pending limit must not keep a stopping process alive, as AbortSignal.timeout does not.
  timer.unref();
  const release = (): void => {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
  };
  if (parent?.aborted) {
    release();
    controller.abort(parent.reason);
  } else {
    parent?.addEventListener('abort', onParentAbort, { once: true });
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    release,
  };
}

/** Rejects as soon as `signal` aborts, even if `work` does not listen to it (e.g. a DNS lookup). */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
