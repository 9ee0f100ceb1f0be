/**
 * `<data>/network.json` (spec §11): where every server of a local network is. Its presence means
 * "everything answers": it is written last at start, after every server has been checked, and removed
 * first at shutdown. The shape is normative, hence snake_case as on the wire.
 */
import { rename, rm, writeFile } from 'node:fs/promises';

export interface NetworkJson {
  readonly network: string;
  readonly dns: { readonly host: string; readonly port: number };
  /** Absolute path of the network root CA (PEM). */
  readonly root_ca: string;
  readonly directory: { readonly url: string; readonly fqdn: string };
  readonly services: readonly ServiceJson[];
  readonly pods: readonly PodJson[];
  /** The browser proxy (spec §12): `<url>/<account_id>/` is a pod's web app. */
  readonly proxy?: { readonly url: string; readonly fqdn: string };
}

export interface ServiceJson {
  readonly service_id: number;
  readonly name: string;
  /** The latest published contract version. */
  readonly version: number;
  readonly url: string;
  readonly fqdn: string;
}

export interface PodJson {
  /** `pod1`, `pod2`, ... */
  readonly name: string;
  readonly account_id: string;
  /** `<account_id>.accounts.<net>`: the servername of the web URL. */
  readonly fqdn: string;
  readonly web_url: string;
  readonly member_url: string;
  readonly username: string;
  /** Absolute path of the file holding the owner's password. */
  readonly password_file: string;
  readonly memberships: readonly MembershipJson[];
}

export interface MembershipJson {
  readonly service_id: number;
  readonly member_id: string;
  /** `<member_id>.members-<service_id>.<net>`: the servername of the member URL for this membership. */
  readonly fqdn: string;
}

/** Written to a temporary file and renamed, so that a reader polling for it never sees half of it. */
export async function writeNetworkFile(path: string, network: NetworkJson): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(network, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path);
}

export async function removeNetworkFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
