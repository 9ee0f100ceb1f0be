/**
 * Scheduled backups of a running server's folder: one backup every `everyMs`, keeping the `keep`
 * newest. A failed run is reported and the schedule goes on (the next run may succeed); runs never
 * overlap, and `stop` waits for one in progress so that the folder is not closed under it.
 */
import { backupFolder } from './backup.js';
import type { BackupOptions, BackupResult } from './backup.js';
import type { BackupIdentity } from './manifest.js';

export interface BackupScheduleOptions extends Omit<BackupOptions, 'now' | 'identity'> {
  /** Asked before each run: the memberships may change while the server runs. */
  readonly identity: () => Promise<BackupIdentity>;
  readonly everyMs: number;
  readonly onResult?: (result: BackupResult) => void;
  readonly onError?: (err: unknown) => void;
}

export class BackupSchedule {
  readonly #options: BackupScheduleOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: BackupScheduleOptions) {
    this.#options = options;
  }

  start(): void {
    this.#timer = setInterval(() => this.#tick(), this.#options.everyMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
    await this.#options.target.close();
  }

  #tick(): void {
    if (this.#running !== undefined || this.#stopped) return; // one run at a time
    this.#running = this.#options
      .identity()
      .then((identity) => backupFolder({ ...this.#options, identity }))
      .then((result) => this.#options.onResult?.(result))
      .catch((err: unknown) => this.#options.onError?.(err))
      .finally(() => {
        this.#running = undefined;
      });
  }
}
