/**
 * The one place that loads @peculiar/x509. The library's ASN.1 schemas use decorators that need
 * `reflect-metadata` to be evaluated first (ESM evaluates imports in order, so the bare import below
 * runs before the library), and it must be told to use Node's WebCrypto rather than a browser global.
 * Every other file of src/pki imports `x509` from here, never from the package.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

// The library types its provider as the DOM `Crypto`; Node's implementation is the same API.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/** Node's WebCrypto key types (the DOM globals are not in this project's lib). */
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

export const subtle = webcrypto.subtle;
