/**
 * Archive names: `byoda-<account_id>-<UTC time, YYYYMMDDTHHMMSSmmmZ>.bak`. The time sorts as text, so
 * a target's listing sorted by name is oldest first, on a folder and in S3 alike.
 */
const NAME = /^byoda-[0-9a-f-]{36}-\d{8}T\d{9}Z\.bak$/;

export function archiveName(accountId: string, createdAt: Date): string {
  const stamp = createdAt.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `byoda-${accountId}-${stamp}.bak`;
}

export function isArchiveName(name: string): boolean {
  return NAME.test(name);
}

/** Archives of one account among a target's names, oldest first. */
export function archivesOf(names: readonly string[], accountId: string): string[] {
  return names.filter((n) => isArchiveName(n) && n.startsWith(`byoda-${accountId}-`)).sort();
}
