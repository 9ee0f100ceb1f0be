import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  authorizeAccountCsr,
  authorizeAccountUpdate,
  authorizeMemberUpdate,
  authorizeServiceCaller,
  authorizeServiceCsr,
  describeRequester,
} from '../../../src/directory/authorization.js';
import type { PkiIdentity } from '../../../src/pki/index.js';

const NETWORK = 'byoda.test';
const A = '0f8e2b6a-3c1d-4e5f-8a9b-0c1d2e3f4a5b';
const B = '7d2c9e4f-1a3b-4c5d-9e8f-7a6b5c4d3e2f';
const account = (accountId: string): PkiIdentity => ({ type: 'account', network: NETWORK, accountId });
const accountData = (accountId: string): PkiIdentity => ({
  type: 'account-data',
  network: NETWORK,
  accountId,
});
const service = (serviceId: number): PkiIdentity => ({ type: 'service', network: NETWORK, serviceId });
const member = (memberId: string, serviceId: number): PkiIdentity => ({
  type: 'member',
  network: NETWORK,
  memberId,
  serviceId,
});

function throwsStatus(fn: () => void, status: number): void {
  assert.throws(fn, (err: unknown) => (err as { status?: number }).status === status);
}

describe('directory authorization', () => {
  describe('account CSRs', () => {
    it('lets anyone take a new account id (trust on first registration)', () => {
      authorizeAccountCsr(account(A), undefined, false);
      authorizeAccountCsr(account(A), account(B), false);
    });

    it('lets only that account re-register an existing one', () => {
      authorizeAccountCsr(account(A), account(A), true);
      throwsStatus(() => authorizeAccountCsr(account(A), undefined, true), 403);
      throwsStatus(() => authorizeAccountCsr(account(A), account(B), true), 403);
      throwsStatus(() => authorizeAccountCsr(account(A), service(1), true), 403);
    });

    it('gives a data cert only to the account’s own TLS cert, new or not', () => {
      authorizeAccountCsr(accountData(A), account(A), true);
      throwsStatus(() => authorizeAccountCsr(accountData(A), undefined, false), 403);
      throwsStatus(() => authorizeAccountCsr(accountData(A), accountData(A), true), 403);
      throwsStatus(() => authorizeAccountCsr(accountData(A), account(B), true), 403);
    });
  });

  it('updates an account for its TLS cert only: 401 without one, 403 for another type', () => {
    assert.equal(authorizeAccountUpdate(account(A)), A);
    throwsStatus(() => authorizeAccountUpdate(undefined), 401);
    throwsStatus(() => authorizeAccountUpdate(accountData(A)), 403);
    throwsStatus(() => authorizeAccountUpdate(member(A, 1)), 403);
  });

  it('takes a free service id for anyone; a taken one is 409 anonymous, 403 for others', () => {
    authorizeServiceCsr(5, undefined, false);
    authorizeServiceCsr(5, service(5), true);
    throwsStatus(() => authorizeServiceCsr(5, undefined, true), 409);
    throwsStatus(() => authorizeServiceCsr(5, service(6), true), 403);
    throwsStatus(() => authorizeServiceCsr(5, account(A), true), 403);
  });

  it('lets only a service’s TLS cert act on it', () => {
    authorizeServiceCaller(5, service(5));
    throwsStatus(() => authorizeServiceCaller(5, undefined), 401);
    throwsStatus(() => authorizeServiceCaller(5, service(6)), 403);
    throwsStatus(
      () => authorizeServiceCaller(5, { type: 'service-data', network: NETWORK, serviceId: 5 }),
      403,
    );
  });

  it('lets a member or its service register a membership, nobody else', () => {
    authorizeMemberUpdate(A, 5, member(A, 5));
    authorizeMemberUpdate(A, 5, service(5));
    throwsStatus(() => authorizeMemberUpdate(A, 5, undefined), 401);
    throwsStatus(() => authorizeMemberUpdate(A, 5, member(B, 5)), 403);
    throwsStatus(() => authorizeMemberUpdate(A, 5, member(A, 6)), 403);
    throwsStatus(() => authorizeMemberUpdate(A, 5, service(6)), 403);
    throwsStatus(() => authorizeMemberUpdate(A, 5, account(A)), 403);
  });

  it('describes requesters by kind and id only', () => {
    assert.equal(describeRequester(undefined), 'anonymous');
    assert.equal(describeRequester(account(A)), `account:${A}`);
    assert.equal(describeRequester(member(B, 7)), `member:${B}@7`);
    assert.equal(describeRequester(service(7)), 'service:7');
    assert.equal(describeRequester({ type: 'directory', network: NETWORK }), 'directory');
  });
});
