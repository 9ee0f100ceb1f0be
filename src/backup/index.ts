/**
 * Backups of a data folder (spec §12 "backups", docs/backup.md): consistent online snapshots of its
 * SQLite files, sealed with AES-256-GCM under the owner's backup key, on a folder or S3 target, with
 * retention; and all-or-nothing restores. It knows nothing of pods: the pod names itself through a
 * `BackupIdentity`.
 */
export { backupFolder, prune, restoreFolder } from './backup.js';
export type { BackupOptions, BackupResult, RestoreOptions } from './backup.js';
export { BackupSchedule } from './schedule.js';
export type { BackupScheduleOptions } from './schedule.js';
export { BACKUP_KEY_ENV, generateBackupKey, loadBackupKey, parseBackupKey } from './key.js';
export { archiveName, archivesOf, isArchiveName } from './archive-name.js';
export { packArchive, unpackArchive } from './archive.js';
export { open as openSealed, seal } from './crypto.js';
export type { BackupIdentity, Manifest } from './manifest.js';
export { openTarget, FolderTarget, S3Target, S3_ENDPOINT_ENV, parseS3Url } from './targets/index.js';
export type { BackupTarget } from './targets/index.js';
