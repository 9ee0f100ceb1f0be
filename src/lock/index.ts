/**
 * Locks on data folders: one running byoda per folder (`byoda up`, and each `byoda directory|service|pod
 * start`), taken before anything is published in DNS. Other folders import only this file.
 */
export { DATA_FOLDER_LOCK, acquireFolderLock, dataFolderLockPath, isProcessAlive } from './folder-lock.js';
export type { FolderLock, FolderLockOptions } from './folder-lock.js';
