import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openMigratedDatabase, type MigratedDatabaseOptions } from '../../../src/storage/index.js';
import { rejectsWith, tempDirPerSuite } from './factory.js';

const V1 = 'CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);';
const V2 = 'CREATE TABLE tags (note_id INTEGER NOT NULL REFERENCES notes (id), tag TEXT NOT NULL);';
const options = (migrations: readonly string[]): MigratedDatabaseOptions => ({
  what: 'the notes database',
  migrations,
});

/** `assert.throws` with the checks of `rejectsWith`. */
function throwsWith(run: () => unknown, ...args: Parameters<typeof rejectsWith>): void {
  assert.throws(run, rejectsWith(...args));
}

describe('storage: openMigratedDatabase', () => {
  const dir = tempDirPerSuite();

  it('creates the folder, applies each migration once and records how many ran', () => {
    const file = join(dir.path, 'once', 'nested', 'notes.db');
    const first = openMigratedDatabase(file, options([V1]));
    first.prepare('INSERT INTO notes (text) VALUES (?)').run('kept');
    assert.equal(first.pragma('user_version', { simple: true }), 1);
    first.close();
    // Re-running V1 would fail (the table exists): opening again proves it is skipped, and V2 runs.
    const second = openMigratedDatabase(file, options([V1, V2]));
    assert.equal(second.pragma('user_version', { simple: true }), 2);
    assert.deepEqual(second.prepare('SELECT text FROM notes').pluck().all(), ['kept']);
    second.prepare('INSERT INTO tags (note_id, tag) VALUES (1, ?)').run('t');
    second.close();
    const third = openMigratedDatabase(file, options([V1, V2]));
    assert.equal(third.prepare('SELECT count(*) FROM tags').pluck().get(), 1);
    third.close();
  });

  it('refuses a file written by a newer version, naming the database', () => {
    const file = join(dir.path, 'newer', 'notes.db');
    openMigratedDatabase(file, options([V1, V2])).close();
    throwsWith(
      () => openMigratedDatabase(file, options([V1])),
      'BYODA_ERR_STORAGE',
      /^the notes database was written by a newer version of BYODA-TS$/,
    );
  });

  it('uses the code and status it is given', () => {
    const file = join(dir.path, 'code', 'notes.db');
    openMigratedDatabase(file, options([V1, V2])).close();
    assert.throws(
      () => openMigratedDatabase(file, { ...options([V1]), code: 'BYODA_ERR_DNS', status: 500 }),
      (err: unknown) => {
        rejectsWith('BYODA_ERR_DNS', /newer version/)(err);
        assert.equal((err as { status?: number }).status, 500);
        return true;
      },
    );
  });

  it('rolls back a failing migration with its version, and says which database and why', () => {
    const file = join(dir.path, 'failing', 'notes.db');
    throwsWith(
      () => openMigratedDatabase(file, options([V1, `${V2} CREATE TABLE notes (x);`])),
      'BYODA_ERR_STORAGE',
      /^cannot open the notes database: .*notes/,
    );
    const db = openMigratedDatabase(file, options([V1]));
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    assert.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'tags'").pluck().get(), 0);
    db.close();
  });

  it('wraps an unusable path (a file where its folder should be) as a storage error', () => {
    const file = join(dir.path, 'not-a-folder');
    openMigratedDatabase(join(file, 'x.db'), options([])).close();
    throwsWith(
      () => openMigratedDatabase(join(file, 'x.db', 'y.db'), options([])),
      'BYODA_ERR_STORAGE',
      /^cannot open the notes database: /,
    );
  });

  it('sets the mode it is given on the file, and SQLite gives its WAL file the same', async () => {
    const file = join(dir.path, 'private', 'notes.db');
    const db = openMigratedDatabase(file, { ...options([V1]), mode: 0o600 });
    db.prepare('INSERT INTO notes (text) VALUES (?)').run('secret');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(`${file}-wal`)).mode & 0o777, 0o600);
    db.close();
  });

  it('opens in WAL mode with a busy timeout and the extra pragmas', () => {
    const file = join(dir.path, 'pragmas', 'notes.db');
    const db = openMigratedDatabase(file, { ...options([V1, V2]), pragmas: ['foreign_keys = ON'] });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
    assert.throws(
      () => db.prepare('INSERT INTO tags (note_id, tag) VALUES (9, ?)').run('orphan'),
      /FOREIGN KEY/,
    );
    db.close();
  });

  it('works on :memory: (mode ignored)', () => {
    const db = openMigratedDatabase(':memory:', { ...options([V1, V2]), mode: 0o600 });
    assert.equal(db.pragma('user_version', { simple: true }), 2);
    db.prepare('INSERT INTO notes (text) VALUES (?)').run('in memory');
    assert.equal(db.prepare('SELECT count(*) FROM notes').pluck().get(), 1);
    db.close();
  });
});
