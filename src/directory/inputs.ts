/**
 * Reading the parts of a directory request that a JSON schema cannot check: the identity a CSR asks
 * for, the address to publish, the service id in a path. Every refusal is a 400 that names the field
 * (`body/csr`, `params/service`), in the same form as the schema errors.
 */
import { isIP, isIPv4 } from 'node:net';
import { unpublishableReason } from '../dns/index.js';
import type { AddressPolicy } from '../dns/index.js';
import { ByodaError, isByodaError } from '../errors/index.js';
import { isServiceId, parseIdentity, verifyCsr } from '../pki/index.js';
import type { IdentityType, PkiIdentity } from '../pki/index.js';

const SERVICE_SEGMENT = /^service-(0|[1-9][0-9]{0,9})$/;
const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * The identity a CSR asks for, after checking its self-signature, key type and CN: the CN must be one
 * of `allowed` in this network. Refusals are BYODA_ERR_CSR at `body/csr`.
 */
export async function csrIdentity(
  csrPem: string,
  network: string,
  allowed: readonly IdentityType[],
): Promise<PkiIdentity> {
  let commonName: string;
  try {
    ({ commonName } = await verifyCsr(csrPem));
  } catch (cause) {
    if (isByodaError(cause)) throw badField('body/csr', cause.message, 'BYODA_ERR_CSR', cause);
    throw cause;
  }
  const identity = parseIdentity(commonName, network);
  if (!identity || !allowed.includes(identity.type)) {
    const wanted = allowed.join(' or ');
    throw badField(
      'body/csr',
      `the CSR's CN '${commonName}' is not a ${wanted} name of ${network}`,
      'BYODA_ERR_CSR',
    );
  }
  return identity;
}

/** `service-<id>` in a path, as a number; the schema has checked the form, this checks the range. */
export function serviceIdParam(segment: string): number {
  const match = SERVICE_SEGMENT.exec(segment);
  const id = match?.[1] === undefined ? NaN : Number(match[1]);
  if (!isServiceId(id)) {
    throw badField('params/service', `'${segment}' is not service-<id> with an id from 0 to 4294967295`);
  }
  return id;
}

/**
 * The address to publish: the one given, else where the request came from (what a pod behind no NAT
 * wants). IPv4-mapped IPv6 (`::ffff:127.0.0.1`, what a dual-stack socket reports) becomes plain IPv4.
 * Addresses that can never be a server of the network are refused (src/dns publishable.ts), and so is
 * loopback unless `policy` allows it; the message says whether the address was given or the source.
 */
export function publishedAddress(given: string | undefined, sourceIp: string, policy: AddressPolicy): string {
  const address = unmapIpv4(given ?? sourceIp);
  if (isIP(address) === 0) throw badField('body/address', `'${given ?? ''}' is not an IPv4 or IPv6 address`);
  const reason = unpublishableReason(address, policy);
  if (reason !== undefined) {
    const which = given === undefined ? `the request's source address ${address}` : address;
    throw badField('body/address', `${which} is ${reason}: it cannot be published`);
  }
  return address;
}

/** The zone's form of an address: `{a}` or `{aaaa}`. */
export function addressRecord(address: string): { a: string } | { aaaa: string } {
  return isIPv4(address) ? { a: address } : { aaaa: address };
}

function unmapIpv4(address: string): string {
  return IPV4_MAPPED.exec(address)?.[1] ?? address;
}

/** A 400 naming the field at fault, with the message prefixed like the schema validator's. */
export function badField(
  path: string,
  reason: string,
  code: 'BYODA_ERR_BAD_REQUEST' | 'BYODA_ERR_CSR' = 'BYODA_ERR_BAD_REQUEST',
  cause?: unknown,
): ByodaError {
  return new ByodaError(code, `invalid ${path}: ${reason}`, { status: 400, path, cause });
}
