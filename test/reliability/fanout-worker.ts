/**
 * The worker process for fanout-crash.test.ts: opens the database the environment names (DATABASE_URL, or
 * PGlite in BEACON_DATA_DIR) and runs the service's own worker (createWorker) until no job is due, then exits 0.
 *
 * PGlite is one process per data directory, so the parent cannot watch the fan-out through the database
 * while this process has it open. With BEACON_PROGRESS_FILE set, this process writes the number of
 * committed deliveries there after every transaction commits (the fan-out commits chunk by chunk); the
 * parent reads the file and decides when to kill. (A poller on a timer does not work: PGlite's one
 * connection is taken by the next chunk's transaction before a waiting query gets its turn.)
 *
 * Run: node --import tsx test/reliability/fanout-worker.ts
 */
import fs from 'node:fs';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/platform/db/engine';
import { createWorker } from '../../src/server';

const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, appRole: config.dbAppRole });
const progressFile = process.env.BEACON_PROGRESS_FILE;

async function writeProgress(): Promise<void> {
  if (!progressFile) return;
  const [row] = await database.query<{ n: number }>('SELECT count(*)::int AS n FROM alert_deliveries');
  fs.writeFileSync(`${progressFile}.tmp`, String(row?.n ?? 0));
  fs.renameSync(`${progressFile}.tmp`, progressFile);
}

if (progressFile) {
  const db = database.db;
  const transaction = db.transaction.bind(db);
  db.transaction = (async (...args: Parameters<typeof transaction>) => {
    const result = await transaction(...args);
    await writeProgress();
    return result;
  }) as typeof db.transaction;
}

const worker = createWorker(database, config, pino({ level: config.logLevel === 'silent' ? 'silent' : config.logLevel }));
const ran = await worker.drain();
await writeProgress();
await database.close();
process.stdout.write(`${JSON.stringify({ jobs: ran })}\n`);
