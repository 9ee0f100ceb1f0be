/**
 * The directory's zone on disk, so that pods stay resolvable across a directory restart (spec §11:
 * `byoda up` on the same data folder reuses the same network). One SQLite file per zone, in WAL mode so
 * that a reader (a backup, `sqlite3` on the command line) never blocks a registration.
 */
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { openMigratedDatabase } from '../storage/index.js';
import type { StoredRecord, StoredRecordType, StoredZone, ZoneStore } from './zone-store.js';

/** Schema versions, applied in order; `PRAGMA user_version` records how many have run. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE records (
     name  TEXT    NOT NULL,
     type  TEXT    NOT NULL CHECK (type IN ('A', 'AAAA')),
     value TEXT    NOT NULL,
     ttl   INTEGER NOT NULL CHECK (ttl >= 0),
     PRIMARY KEY (name, type, value)
   );
   CREATE TABLE zone_meta (
     key   TEXT PRIMARY KEY,
     value INTEGER NOT NULL
   );`,
  // 2: SRV records (a port per name, docs/protocol.md "DNS"). SQLite cannot alter a CHECK, so the
  // table is rebuilt with the wider one.
  `CREATE TABLE records_new (
     name  TEXT    NOT NULL,
     type  TEXT    NOT NULL CHECK (type IN ('A', 'AAAA', 'SRV')),
     value TEXT    NOT NULL,
     ttl   INTEGER NOT NULL CHECK (ttl >= 0),
     PRIMARY KEY (name, type, value)
   );
   INSERT INTO records_new (name, type, value, ttl) SELECT name, type, value, ttl FROM records;
   DROP TABLE records;
   ALTER TABLE records_new RENAME TO records;`,
];

interface RecordRow {
  name: string;
  type: string;
  value: string;
  ttl: number;
}

export class SqliteZoneStore implements ZoneStore {
  private readonly db: SqliteDatabase;
  private readonly selectRecords: Statement<[], RecordRow>;
  private readonly selectSerial: Statement<[], { value: number }>;
  private readonly deleteName: Statement<[string]>;
  private readonly insertRecord: Statement<[string, string, string, number]>;
  private readonly upsertSerial: Statement<[number]>;

  /** Opens (creating if needed) the database at `file`; `:memory:` works for tests. */
  constructor(file: string) {
    this.db = openMigratedDatabase(file, {
      what: 'the DNS zone database',
      migrations: MIGRATIONS,
      // NORMAL is durable across application crashes in WAL mode; only a power loss can drop the last
      // commits, which the next registration repairs.
      pragmas: ['synchronous = NORMAL'],
      code: 'BYODA_ERR_DNS',
      status: 500,
    });
    this.selectRecords = this.db.prepare(
      'SELECT name, type, value, ttl FROM records ORDER BY name, type, value',
    );
    this.selectSerial = this.db.prepare("SELECT value FROM zone_meta WHERE key = 'serial'");
    this.deleteName = this.db.prepare('DELETE FROM records WHERE name = ?');
    this.insertRecord = this.db.prepare('INSERT INTO records (name, type, value, ttl) VALUES (?, ?, ?, ?)');
    this.upsertSerial = this.db.prepare(
      "INSERT INTO zone_meta (key, value) VALUES ('serial', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
  }

  load(): StoredZone {
    const records = this.selectRecords.all().filter(isKnownRow).map(toStoredRecord);
    return { records, serial: this.selectSerial.get()?.value };
  }

  replace(name: string, records: readonly StoredRecord[], serial: number): void {
    // One transaction: a crash never leaves a name half-updated or a change without its serial.
    this.db.transaction(() => {
      this.deleteName.run(name);
      for (const record of records) this.insertRecord.run(name, record.type, record.value, record.ttl);
      this.upsertSerial.run(serial);
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function isKnownRow(row: RecordRow): row is RecordRow & { type: StoredRecordType } {
  return row.type === 'A' || row.type === 'AAAA' || row.type === 'SRV';
}

function toStoredRecord(row: RecordRow & { type: StoredRecordType }): StoredRecord {
  return { name: row.name, type: row.type, value: row.value, ttl: row.ttl };
}
