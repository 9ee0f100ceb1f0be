/**
 * The archive's plaintext: a framed list of files behind its manifest (before crypto.ts seals it).
 * Layout: manifest length (4 bytes, big-endian) | manifest JSON (UTF-8) | each file's bytes, in the
 * manifest's order. Sizes and SHA-256 digests of the manifest are checked on unpacking, so a frame that
 * does not add up is refused as a whole; the cipher's tag already rules out tampering, this rules out
 * a writer's bug.
 */
import { createHash } from 'node:crypto';
import { archiveError } from './crypto.js';
import { manifestJson, parseManifest } from './manifest.js';
import type { BackupIdentity, Manifest } from './manifest.js';

export interface ArchiveEntry {
  readonly path: string;
  readonly content: Buffer;
}

/** Largest manifest accepted: far above any pod's (one line per file). */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export function packArchive(
  identity: BackupIdentity,
  createdAt: Date,
  entries: readonly ArchiveEntry[],
): Buffer {
  const manifest: Manifest = {
    ...identity,
    createdAt: createdAt.toISOString(),
    files: entries.map((e) => ({ path: e.path, size: e.content.length, sha256: sha256(e.content) })),
  };
  const json = Buffer.from(JSON.stringify(manifestJson(manifest)), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json, ...entries.map((e) => e.content)]);
}

export interface UnpackedArchive {
  readonly manifest: Manifest;
  readonly entries: readonly ArchiveEntry[];
}

export function unpackArchive(plain: Buffer): UnpackedArchive {
  if (plain.length < 4) throw archiveError('is truncated (no manifest)');
  const length = plain.readUInt32BE(0);
  if (length > MAX_MANIFEST_BYTES || 4 + length > plain.length) {
    throw archiveError('has a manifest length beyond its end');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(plain.subarray(4, 4 + length).toString('utf8'));
  } catch (cause) {
    throw archiveError('has a manifest that is not JSON', cause);
  }
  const manifest = parseManifest(raw);
  let offset = 4 + length;
  const entries = manifest.files.map((file) => {
    if (offset + file.size > plain.length) throw archiveError(`is truncated inside ${file.path}`);
    const content = plain.subarray(offset, offset + file.size);
    offset += file.size;
    if (sha256(content) !== file.sha256) throw archiveError(`holds ${file.path} with a wrong digest`);
    return { path: file.path, content };
  });
  if (offset !== plain.length) throw archiveError('has bytes after its last file');
  return { manifest, entries };
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
