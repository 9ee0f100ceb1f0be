/**
 * Where archives go: a folder or S3-compatible object storage (spec §12: TARGET is a folder or
 * `s3://bucket/prefix`). A target stores whole archives by name; names sort by creation time
 * (archive-name.ts), which is what retention and "restore the newest" rely on.
 */
export interface BackupTarget {
  /** How the target was given, for messages (never holds credentials). */
  readonly description: string;
  put(name: string, archive: Buffer): Promise<void>;
  get(name: string): Promise<Buffer>;
  /** Names of the archives held, oldest first. */
  list(): Promise<string[]>;
  delete(name: string): Promise<void>;
  close(): Promise<void>;
}

export const S3_ENDPOINT_ENV = 'BYODA_S3_ENDPOINT';
