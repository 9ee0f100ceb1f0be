/**
 * What every step of `LocalNetwork.start` works with: the folder, the progress listener, the list of
 * things to undo at stop (so that a start that fails half-way stops exactly what it started), and the
 * check for an interruption between steps.
 */
import { access } from 'node:fs/promises';
import type { Logger } from 'pino';
import { resolvePassphrase } from '../directory/index.js';
import { createLogger } from '../http/index.js';
import type { LocalPaths } from './layout.js';
import type { ProgressListener } from './progress.js';

/** What a part is, for the order of stopping: pods, then the service, then the directory. */
export type StopLayer = 'proxy' | 'pod' | 'service' | 'directory';

export interface StartContext {
  readonly paths: LocalPaths;
  readonly progress: ProgressListener;
  /**
   * Registers how to stop a part (`directory`, `service`, `pod1`, ...) that is starting. `LocalNetwork.stop`
   * stops the pods first and the directory last, so that no server is left calling one already gone.
   */
  onStop(part: string, layer: StopLayer, stop: () => Promise<void>): void;
  /** Throws when the start was interrupted (SIGINT), so that no further part starts. */
  checkpoint(): void;
  /**
   * Takes the lock of a part's folder (src/lock), the one `byoda directory|service|pod start` takes,
   * before the part publishes anything: a part already run on its own is not started twice. Released
   * by `LocalNetwork.stop` after every part stopped.
   */
  lockFolder(dataDir: string): Promise<void>;
}

/** Every server of a local network listens here: spec §11 puts the whole network on loopback. */
export const LOCAL_HOST = '127.0.0.1';

/**
 * A part's key passphrase, always from the `passphrase` file (mode 0600) in its folder, created with
 * the part. `BYODA_PASSPHRASE` is deliberately ignored: a variable set in one shell and not in the
 * next would make the keys of the same folder unreadable from one run to the other.
 */
export async function partPassphrase(localFile: string, create: boolean): Promise<string> {
  const { passphrase } = await resolvePassphrase({ env: {}, localFile, create });
  return passphrase;
}

/** JSON log lines of one server, in its own folder; nothing of them goes to the terminal. */
export function partLogger(name: string, file: string): Logger {
  return createLogger({ name, file });
}

/** Flushes what the logger buffered; a log file that never opened has nothing to flush. */
export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // sonic-boom refuses to flush before its file is open: nothing was written yet.
  }
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
