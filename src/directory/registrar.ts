/**
 * Publishing registrations (docs/protocol.md, "DNS"): the A (or AAAA) record of a name and, when a port
 * is given, its SRV record `_byoda._tcp.<name>` with the name as target, which is how a peer learns the
 * port of a pod or service in local mode. The row and the records go to the store in one `register`
 * call; the zone in memory (which the built-in DNS server answers from) takes the change after the
 * store has it. Registrations run one at a time, so memory follows the store in commit order.
 */
import { byodaSrvName, nextSerial } from '../dns/index.js';
import type { AddressInput, Zone, ZoneChange } from '../dns/index.js';
import type { RegistrationReply } from '../network/index.js';
import { addressRecord } from './inputs.js';
import type { DirectoryStore, Registration } from './store/directory-store.js';

export class Registrar {
  private readonly zone: Zone;
  private readonly store: DirectoryStore;
  private readonly answersFromMemory: boolean;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * `answersFromMemory`: whether the zone in memory must follow the store (the built-in DNS server
   * answers from it). Without it (PostgreSQL with `--dns none`), memory stays empty and PowerDNS answers.
   */
  constructor(zone: Zone, store: DirectoryStore, answersFromMemory: boolean) {
    this.zone = zone;
    this.store = store;
    this.answersFromMemory = answersFromMemory;
  }

  /** Saves the registration and publishes `fqdn` at `address` (and `port` when given). */
  async publishHost(
    registration: Registration,
    fqdn: string,
    address: string,
    port: number | undefined,
  ): Promise<RegistrationReply> {
    const changes = [this.zone.addressChange(fqdn, addressRecord(address))];
    // Without a port the previous SRV record stays: a pod that only moved keeps its port.
    if (port !== undefined) changes.push(this.zone.serviceChange(byodaSrvName(fqdn), { port }));
    await this.write(registration, changes);
    return { fqdn, address, port: port ?? null };
  }

  /** Publishes the addresses of the zone's name server (`dir.<network>`), at start. */
  async publishNameServer(input: AddressInput): Promise<void> {
    await this.write({ kind: 'zone' }, [this.zone.addressChange(this.zone.nameServer, input)]);
  }

  /** Waits for the registrations in progress (before the store closes). */
  async drain(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  private write(registration: Registration, changes: readonly ZoneChange[]): Promise<void> {
    const run = this.queue.then(async () => {
      const zone = this.zone;
      const soa = { ...zone.soa().data, serial: nextSerial(zone.serial) };
      const result = await this.store.register(registration, {
        changes,
        soa,
        isUnchanged: (change) => zone.isUnchanged(change),
        recordsAfter: (change) => zone.recordsAfter(change),
      });
      if (this.answersFromMemory && result.changed.length > 0)
        zone.applyCommitted(result.changed, result.serial);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
