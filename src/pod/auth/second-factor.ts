/**
 * The owner's second factor (spec §12; docs/protocol.md "Second factor (TOTP)"): enrolment in two steps
 * (a pending secret, enrolled once a first code of it is right), the code check of the login, and
 * turning it off. A TOTP code is accepted once: the last accepted step is kept and a code of that step
 * or an earlier one is refused. Recovery codes are single-use. State in account.db (TotpLedger); the
 * secret sealed with the pod's passphrase (secret-box.ts).
 */
import { ByodaError } from '../../errors/index.js';
import { openSecret, sealSecret } from './secret-box.js';
import { hashRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret, otpauthUri } from './totp.js';
import type { SecondFactorCode } from './totp.js';

/** `pending`: made by the last enrolment, not yet confirmed; `enrolled`: the one logins check. */
export type TotpSlot = 'pending' | 'enrolled';

export interface TotpRecord {
  readonly secretSealed: string;
  /** The last time step accepted (-1: none), so that no code is accepted twice. */
  readonly lastStep: number;
  readonly createdAt: string;
  readonly recoveryCodesLeft: number;
}

/** Where the second factor is kept (AccountStore: account.db). Each call is atomic. */
export interface TotpLedger {
  totp(slot: TotpSlot): TotpRecord | undefined;
  /** Replaces the pending secret and its recovery codes. */
  putPendingTotp(secretSealed: string, recoveryHashes: readonly string[], createdAt: string): void;
  /** The pending secret and codes become the enrolled ones, replacing any; false without a pending one. */
  promotePendingTotp(acceptedStep: number): boolean;
  /** Records `step` as accepted if it is after the last one; false (a replay) otherwise. */
  acceptTotpStep(slot: TotpSlot, step: number): boolean;
  /** Marks an unused enrolled recovery code used; false when there is none with that hash. */
  useRecoveryCode(codeHash: string, usedAt: string): boolean;
  clearTotp(): void;
}

export interface SecondFactorStatus {
  readonly enrolled: boolean;
  /** An enrolment waits for its first code. */
  readonly pending: boolean;
  /** Unused recovery codes of the enrolled factor; null when none is enrolled. */
  readonly recoveryCodesLeft: number | null;
}

export interface Enrolment {
  readonly otpauthUri: string;
  /** Shown once: only their hashes are kept. */
  readonly recoveryCodes: readonly string[];
}

export class SecondFactor {
  readonly #ledger: TotpLedger;
  readonly #passphrase: string;
  readonly #now: () => number;
  /** Opened secrets by their sealed form: opening one costs an scrypt run. */
  readonly #opened = new Map<string, string>();

  constructor(ledger: TotpLedger, passphrase: string, now: () => number = Date.now) {
    this.#ledger = ledger;
    this.#passphrase = passphrase;
    this.#now = now;
  }

  get enrolled(): boolean {
    return this.#ledger.totp('enrolled') !== undefined;
  }

  status(): SecondFactorStatus {
    const enrolled = this.#ledger.totp('enrolled');
    return {
      enrolled: enrolled !== undefined,
      pending: this.#ledger.totp('pending') !== undefined,
      recoveryCodesLeft: enrolled?.recoveryCodesLeft ?? null,
    };
  }

  /**
   * A new pending secret and recovery codes, replacing any pending ones; an enrolled factor stays in
   * force until the new one is confirmed. `account` labels the entry in the authenticator app.
   */
  async begin(account: string): Promise<Enrolment> {
    const secret = newTotpSecret();
    const recoveryCodes = newRecoveryCodes();
    const sealed = await sealSecret(secret, this.#passphrase);
    this.#ledger.putPendingTotp(
      sealed,
      recoveryCodes.map(hashRecoveryCode),
      new Date(this.#now()).toISOString(),
    );
    // Only the enrolled secret and this one are of use; the cache never grows past two.
    this.#opened.clear();
    this.#opened.set(sealed, secret);
    return { otpauthUri: otpauthUri(secret, account), recoveryCodes };
  }

  /**
   * Enrols the pending secret if `code` (6 digits) is its current code: true; false for a wrong code.
   * The step of `code` counts as accepted, so it cannot then log in too.
   */
  async confirm(code: string): Promise<boolean> {
    const pending = this.#ledger.totp('pending');
    if (!pending) {
      throw new ByodaError('BYODA_ERR_CONFLICT', 'no enrolment is pending: POST /api/v1/pod/totp first');
    }
    const secret = await this.#open(pending.secretSealed);
    const step = await matchTotp(secret, code, this.#now(), pending.lastStep);
    if (step === undefined) return false;
    if (!this.#ledger.promotePendingTotp(step)) {
      throw new ByodaError('BYODA_ERR_CONFLICT', 'the pending enrolment was replaced meanwhile');
    }
    return true;
  }

  /** True when `code` is a current, unused code of the enrolled factor; using it spends it. */
  async check(code: SecondFactorCode): Promise<boolean> {
    const enrolled = this.#ledger.totp('enrolled');
    if (!enrolled) return false;
    if (code.kind === 'recovery') {
      return this.#ledger.useRecoveryCode(hashRecoveryCode(code.code), new Date(this.#now()).toISOString());
    }
    const secret = await this.#open(enrolled.secretSealed);
    const step = await matchTotp(secret, code.code, this.#now(), enrolled.lastStep);
    // The ledger checks the step again: two requests with one code may both have matched.
    return step !== undefined && this.#ledger.acceptTotpStep('enrolled', step);
  }

  /** Forgets the enrolled and any pending factor (the caller has checked a code). */
  disable(): void {
    this.#ledger.clearTotp();
    this.#opened.clear();
  }

  async #open(sealed: string): Promise<string> {
    const known = this.#opened.get(sealed);
    if (known !== undefined) return known;
    const secret = await openSecret(sealed, this.#passphrase);
    this.#opened.set(sealed, secret);
    return secret;
  }
}
