/**
 * Certificate chain verification (spec §3): from a leaf through intermediates to one exact root CA.
 * Besides the usual X.509 checks (signatures, dates, CA flags, pathLength, critical extensions) every
 * link must follow the network's issuance rules (policy.ts), so the verified leaf identity can be
 * trusted as far as its type, network and service id: a pod checking a client gets back
 * `{type: 'member', serviceId}` and compares the service id with its endpoint's.
 */
import { BoundedMap } from '../bounded/index.js';
import { ByodaError } from '../errors/index.js';
import { networkOfRootCaCn, parseIdentity } from './names.js';
import { commonNameOf, parseCertificatePem, splitPemBundle } from './pem.js';
import { mayIssue, profileOf } from './policy.js';
import { x509 } from './x509.js';
import type { PkiIdentity } from './names.js';

export interface VerifyChainOptions {
  /** The moment at which the chain must be valid (default: now). */
  at?: Date;
}

/** Longest chain we follow: root -> services CA -> service CA -> members CA -> leaf, plus slack. */
const MAX_CHAIN_LENGTH = 6;

/** Extensions whose meaning we check or that carry no constraint; any other critical one is refused. */
const UNDERSTOOD_EXTENSIONS = new Set([
  '2.5.29.19', // basicConstraints
  '2.5.29.15', // keyUsage
  '2.5.29.37', // extKeyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
]);

/** A certificate in a path, with its CN and the identity that CN names. */
interface PathCert {
  cert: x509.X509Certificate;
  commonName: string;
  identity: PkiIdentity;
}

/**
 * Verify that `leafPem` chains through `intermediatesPem` (any order; each entry may itself be a bundle,
 * and may include the leaf or root, which are skipped) to exactly `rootPem`, and return the identity
 * the leaf names. The network is the one of the root's CN. Throws BYODA_ERR_CERT_CHAIN saying why.
 */
export async function verifyChain(
  leafPem: string,
  intermediatesPem: readonly string[],
  rootPem: string,
  options: VerifyChainOptions = {},
): Promise<PkiIdentity> {
  return asChainError(() => verifyChainNow(leafPem, intermediatesPem, rootPem, options.at ?? new Date()));
}

async function verifyChainNow(
  leafPem: string,
  intermediatesPem: readonly string[],
  rootPem: string,
  at: Date,
): Promise<PkiIdentity> {
  const root = await trustedRoot(rootPem, at);
  const leaf = toPathCert(parseCertificatePem(leafPem, 'certificate'), root.identity.network);
  if (sameCertificate(leaf.cert, root.cert)) return root.identity;
  const pool = intermediatesPem
    .flatMap(splitPemBundle)
    .map((pem) => parseCaPem(pem, 'intermediate certificate'))
    .filter((cert) => !sameCertificate(cert, leaf.cert) && !sameCertificate(cert, root.cert));
  const path = buildPath(leaf, pool, root);
  for (let index = 0; index < path.length - 1; index++) {
    await verifyLink(path, index, at);
  }
  return leaf.identity;
}

/** `verifyChain` for a bundle as servers send and store it: the leaf first, then its intermediates. */
export async function verifyChainBundle(
  bundlePem: string,
  rootPem: string,
  options: VerifyChainOptions = {},
): Promise<PkiIdentity> {
  const [leaf, ...intermediates] = splitPemBundle(bundlePem);
  if (leaf === undefined) throw new ByodaError('BYODA_ERR_CERT_CHAIN', 'the bundle holds no certificate');
  return verifyChain(leaf, intermediates, rootPem, options);
}

// ---- the root ----------------------------------------------------------------------------------------

/** Check that `rootPem` is a valid, self-signed network root CA (now) and return its network. */
export async function verifyRootCa(rootPem: string, options: VerifyChainOptions = {}): Promise<string> {
  const root = await asChainError(() => trustedRoot(rootPem, options.at ?? new Date()));
  return root.identity.network;
}

/**
 * @peculiar/x509 decodes extensions and names lazily, so a malformed certificate that parsed may still
 * throw an ASN.1 error from a later accessor: that is a bad chain too, never an escaped internal error.
 */
async function asChainError<T>(verify: () => Promise<T>): Promise<T> {
  try {
    return await verify();
  } catch (cause) {
    if (cause instanceof ByodaError) throw cause;
    throw new ByodaError('BYODA_ERR_CERT_CHAIN', 'a certificate of the chain is malformed', { cause });
  }
}

async function trustedRoot(rootPem: string, at: Date): Promise<PathCert> {
  const cert = parseCaPem(rootPem, 'root certificate');
  const commonName = commonNameOf(cert);
  const network = networkOfRootCaCn(commonName);
  if (!network) fail(`the root certificate '${commonName}' is not a network root CA (root-ca.<network>)`);
  const root: PathCert = { cert, commonName, identity: { type: 'root-ca', network } };
  if (cert.subject !== cert.issuer || !(await signedBy(cert, cert))) {
    fail(`the root certificate '${commonName}' is not validly self-signed`);
  }
  assertCurrent(root, at);
  assertCaFlag(root);
  return root;
}

// ---- building the path -------------------------------------------------------------------------------

function toPathCert(cert: x509.X509Certificate, network: string): PathCert {
  const commonName = commonNameOf(cert);
  const identity = parseIdentity(commonName, network);
  if (identity) return { cert, commonName, identity };
  const elsewhere = parseIdentity(commonName);
  if (elsewhere) {
    fail(`'${commonName}' belongs to network '${elsewhere.network}', not '${network}'`);
  }
  fail(`'${commonName}' is not a certificate name of network '${network}'`);
}

/** [leaf, intermediates..., root], each the issuer of the one before, found by name and key id. */
function buildPath(leaf: PathCert, pool: readonly x509.X509Certificate[], root: PathCert): PathCert[] {
  const path = [leaf];
  let current = leaf;
  while (!isIssuerOf(root.cert, current.cert)) {
    if (path.length >= MAX_CHAIN_LENGTH) fail(`the chain of '${leaf.commonName}' is too long`);
    const issuer = pool.find((candidate) => isIssuerOf(candidate, current.cert));
    if (!issuer) {
      fail(
        `the chain of '${leaf.commonName}' does not lead to ${root.commonName}: no issuer '${current.cert.issuer}'`,
      );
    }
    if (path.some((entry) => sameCertificate(entry.cert, issuer))) {
      fail(`the chain of '${leaf.commonName}' has a loop at '${current.cert.issuer}'`);
    }
    current = toPathCert(issuer, root.identity.network);
    path.push(current);
  }
  path.push(root);
  return path;
}

function isIssuerOf(issuer: x509.X509Certificate, cert: x509.X509Certificate): boolean {
  if (!sameBytes(issuer.subjectName.toArrayBuffer(), cert.issuerName.toArrayBuffer())) return false;
  const authorityKeyId = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  const subjectKeyId = issuer.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  // Key ids disambiguate a re-keyed CA of the same name; without both, the name match decides.
  return authorityKeyId === undefined || subjectKeyId === undefined || authorityKeyId === subjectKeyId;
}

// ---- checking each link ------------------------------------------------------------------------------

/** Check path[index] and its issuer path[index + 1]. */
async function verifyLink(path: readonly PathCert[], index: number, at: Date): Promise<void> {
  const subject = path[index];
  const issuer = path[index + 1];
  if (!subject || !issuer) return;
  assertCurrent(subject, at);
  assertNoUnknownCriticalExtension(subject);
  assertProfileMatchesType(subject);
  assertCaFlag(issuer);
  assertPathLength(issuer, index);
  if (!mayIssue(issuer.identity, subject.identity)) {
    fail(`'${issuer.commonName}' may not issue a certificate for '${subject.commonName}'`);
  }
  if (!(await signedBy(subject.cert, issuer.cert))) {
    fail(`the signature of '${subject.commonName}' does not verify with the key of '${issuer.commonName}'`);
  }
}

function assertCurrent({ cert, commonName }: PathCert, at: Date): void {
  if (at > cert.notAfter) fail(`'${commonName}' expired on ${cert.notAfter.toISOString()}`);
  if (at < cert.notBefore) fail(`'${commonName}' is not valid before ${cert.notBefore.toISOString()}`);
}

function assertCaFlag({ cert, commonName }: PathCert): void {
  if (!cert.getExtension(x509.BasicConstraintsExtension)?.ca) fail(`'${commonName}' is not a CA`);
  const keyUsage = cert.getExtension(x509.KeyUsagesExtension);
  if (keyUsage && !(keyUsage.usages & x509.KeyUsageFlags.keyCertSign)) {
    fail(`'${commonName}' may not sign certificates (keyUsage lacks keyCertSign)`);
  }
}

/** `issuer` sits at path[belowCount + 1]: path[1..belowCount] are the CAs between it and the leaf. */
function assertPathLength({ cert, commonName }: PathCert, belowCount: number): void {
  const pathLength = cert.getExtension(x509.BasicConstraintsExtension)?.pathLength;
  if (pathLength !== undefined && belowCount > pathLength) {
    fail(`the chain below '${commonName}' is longer than its pathLength ${pathLength}`);
  }
}

/** A CA name must be on a CA cert and a leaf name on a leaf cert: a member cert must never sign. */
function assertProfileMatchesType({ cert, commonName, identity }: PathCert): void {
  const isCa = cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
  if (isCa !== (profileOf(identity.type).kind === 'ca')) {
    fail(`'${commonName}' ${isCa ? 'is a CA but names a leaf' : 'names a CA but is not a CA'}`);
  }
}

function assertNoUnknownCriticalExtension({ cert, commonName }: PathCert): void {
  const unknown = cert.extensions.find((ext) => ext.critical && !UNDERSTOOD_EXTENSIONS.has(ext.type));
  if (unknown) fail(`'${commonName}' has an unsupported critical extension ${unknown.type}`);
}

// ---- what is remembered ------------------------------------------------------------------------------

/**
 * CA certificates (the root and the intermediates every chain of the network repeats), parsed once
 * per exact PEM text. Parsing and checking a signature with @peculiar/x509 costs milliseconds of
 * JavaScript, and a pod start verifies a dozen chains that all end in the same few CAs: with a
 * thousand pods in one process (`byoda up`), this was the largest single cost of starting. Only the
 * parse is shared; every check that depends on the time or the path (dates, CA flags, pathLength,
 * issuance rules) still runs at each verification. Bounded, oldest first out; leaves are never kept.
 */
const PARSED_CA_LIMIT = 256;
const parsedCas = new BoundedMap<string, x509.X509Certificate>(PARSED_CA_LIMIT);

function parseCaPem(pem: string, what: string): x509.X509Certificate {
  const key = pem.trim();
  const known = parsedCas.get(key);
  if (known) return known;
  const cert = parseCertificatePem(pem, what);
  if (cert.getExtension(x509.BasicConstraintsExtension)?.ca === true) {
    parsedCas.set(key, cert);
  }
  return cert;
}

/**
 * Signatures that verified, by certificate object: a signature over fixed bytes with a fixed key
 * verifies once and for all, and the shared CA objects above make the pair recur. Weak, so that a
 * leaf's entry goes with the leaf.
 */
const verifiedSignatures = new WeakMap<x509.X509Certificate, WeakSet<x509.X509Certificate>>();

async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  if (verifiedSignatures.get(cert)?.has(issuer) === true) return true;
  const verified = await checkSignature(cert, issuer);
  if (verified) {
    const issuers = verifiedSignatures.get(cert) ?? new WeakSet<x509.X509Certificate>();
    issuers.add(issuer);
    verifiedSignatures.set(cert, issuers);
  }
  return verified;
}

async function checkSignature(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    // A malformed signature or key is as good as a wrong one.
    return false;
  }
}

function sameCertificate(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  return sameBytes(a.rawData, b.rawData);
}

function sameBytes(a: ArrayBuffer, b: ArrayBuffer): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

function fail(message: string): never {
  throw new ByodaError('BYODA_ERR_CERT_CHAIN', message);
}
