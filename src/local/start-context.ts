/**
 * What every step of `LocalNetwork.start` works with: the folder, the progress listener, the list of
 * things to undo at stop (so that a start that fails half-way stops exactly what it started), and the
 * check for an interruption between steps.
 */
import { access, readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ByodaError } from '../errors/index.js';
import { createLogger } from '../http/index.js';
import type { MetricsRegistry } from '../metrics/index.js';
import { localSecretFile } from '../secrets/index.js';
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
  /** Where every server of the network records its metrics (`byoda up --metrics-listen`); none when absent. */
  readonly metrics: MetricsRegistry | undefined;
}

/** Every server of a local network listens here: spec §11 puts the whole network on loopback. */
export const LOCAL_HOST = '127.0.0.1';

/**
 * A part's key passphrase, always from the `passphrase` file (mode 0600) in its folder, created with
 * the part: `byoda up`'s local convenience (src/secrets LOCAL_SECRET_LABEL), for local networks only.
 * `BYODA_PASSPHRASE` is deliberately ignored: a variable set in one shell and not in the next would
 * make the keys of the same folder unreadable from one run to the other.
 */
export async function partPassphrase(localFile: string, create: boolean): Promise<string> {
  if (!create) {
    const existing = await readFile(localFile, 'utf8').catch(() => undefined);
    const value = existing?.split(/\r?\n/)[0];
    if (!value) {
      throw new ByodaError(
        'BYODA_ERR_CONFIG',
        `no local passphrase file ${localFile} (made by \`byoda up\`)`,
      );
    }
    return value;
  }
  return (await localSecretFile(localFile)).value;
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
