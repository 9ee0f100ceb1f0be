/**
 * S3-compatible object storage as a backup target (`s3://bucket/prefix`), through @aws-sdk/client-s3.
 * Credentials and region come from the SDK's usual sources (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_REGION, profiles); an endpoint other than AWS's (MinIO, B2, a test server) from
 * BYODA_S3_ENDPOINT, with path-style addressing, which every S3-compatible server understands.
 * The SDK is loaded on the first call: it is large, and every `byoda` command and server imports
 * this module while few of them ever talk to S3.
 */
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { ByodaError } from '../../errors/index.js';
import { isArchiveName } from '../archive-name.js';
import type { BackupTarget } from './target.js';

export interface S3Location {
  readonly bucket: string;
  /** Key prefix, without leading or trailing `/` ('' for the bucket's top). */
  readonly prefix: string;
}

/** `s3://bucket[/prefix]`; anything else is BYODA_ERR_BAD_REQUEST naming the part at fault. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  const bucket = match?.[1];
  if (bucket === undefined || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', `${url}: the bucket name is missing or invalid`);
  }
  const prefix = (match?.[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '..')) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', `${url}: the prefix may not hold '..'`);
  }
  return { bucket, prefix };
}

export interface S3TargetOptions {
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
}

export class S3Target implements BackupTarget {
  readonly description: string;
  readonly #location: S3Location;
  readonly #options: S3TargetOptions;
  #client: S3Client | undefined;

  constructor(location: S3Location, options: S3TargetOptions = {}) {
    this.#location = location;
    this.#options = options;
    this.description = `s3://${location.bucket}/${location.prefix}`;
  }

  async put(name: string, archive: Buffer): Promise<void> {
    const key = this.#key(name);
    await this.#call(`write ${name}`, (client, sdk) =>
      client.send(new sdk.PutObjectCommand({ Bucket: this.#location.bucket, Key: key, Body: archive })),
    );
  }

  async get(name: string): Promise<Buffer> {
    const key = this.#key(name);
    const answer = await this.#call(`read ${name}`, (client, sdk) =>
      client.send(new sdk.GetObjectCommand({ Bucket: this.#location.bucket, Key: key })),
    );
    if (answer.Body === undefined) throw new ByodaError('BYODA_ERR_NOT_FOUND', `no archive ${name}`);
    return Buffer.from(await answer.Body.transformToByteArray());
  }

  async list(): Promise<string[]> {
    const names: string[] = [];
    const prefix = this.#location.prefix === '' ? '' : `${this.#location.prefix}/`;
    let token: string | undefined;
    do {
      const page = await this.#call('list', (client, sdk) =>
        client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.#location.bucket,
            Prefix: prefix,
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(prefix.length);
        if (name !== undefined && isArchiveName(name)) names.push(name);
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return names.sort();
  }

  async delete(name: string): Promise<void> {
    const key = this.#key(name);
    await this.#call(`delete ${name}`, (client, sdk) =>
      client.send(new sdk.DeleteObjectCommand({ Bucket: this.#location.bucket, Key: key })),
    );
  }

  async close(): Promise<void> {
    this.#client?.destroy();
  }

  #key(name: string): string {
    if (!isArchiveName(name)) throw new ByodaError('BYODA_ERR_BAD_REQUEST', `not an archive name: ${name}`);
    return this.#location.prefix === '' ? name : `${this.#location.prefix}/${name}`;
  }

  async #call<T>(what: string, call: (client: S3Client, sdk: typeof S3Sdk) => Promise<T>): Promise<T> {
    try {
      const sdk = await import('@aws-sdk/client-s3');
      this.#client ??= new sdk.S3Client({
        region: this.#options.region ?? process.env.AWS_REGION ?? 'us-east-1',
        ...(this.#options.endpoint !== undefined
          ? { endpoint: this.#options.endpoint, forcePathStyle: true }
          : {}),
      });
      return await call(this.#client, sdk);
    } catch (cause) {
      const name = (cause as { name?: unknown }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') {
        throw new ByodaError('BYODA_ERR_NOT_FOUND', `${this.description}: cannot ${what}: not found`, {
          cause,
        });
      }
      throw new ByodaError('BYODA_ERR_BACKUP_TARGET', `${this.description}: cannot ${what}`, { cause });
    }
  }
}
