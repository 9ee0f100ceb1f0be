/** Opening a target from its text form: `s3://bucket/prefix`, else a folder. */
import { FolderTarget } from './folder.js';
import { S3Target, parseS3Url } from './s3.js';
import { S3_ENDPOINT_ENV } from './target.js';
import type { BackupTarget } from './target.js';

export function openTarget(text: string, env: NodeJS.ProcessEnv = process.env): BackupTarget {
  if (text.startsWith('s3://')) {
    const endpoint = env[S3_ENDPOINT_ENV];
    return new S3Target(parseS3Url(text), endpoint !== undefined && endpoint !== '' ? { endpoint } : {});
  }
  return new FolderTarget(text);
}

export type { BackupTarget } from './target.js';
export { S3_ENDPOINT_ENV } from './target.js';
export { FolderTarget } from './folder.js';
export { S3Target, parseS3Url } from './s3.js';
