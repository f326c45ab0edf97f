/**
 * The worker process for bench/faults/run.ts (and its CI test): opens the database the environment names
 * (DATABASE_URL, or PGlite in BEACON_DATA_DIR), runs the service's own worker (createWorker) until no job
 * is due, then exits 0. With BEACON_PROGRESS_FILE set, it appends each job's type to that file, synchronously,
 * as the job starts, so the parent can kill it in the middle of a chosen kind of job.
 *
 * Run: node --import tsx bench/faults/worker.ts
 */
import fs from 'node:fs';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/platform/db/engine';
import { createWorker } from '../../src/server';

const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, appRole: config.dbAppRole });
const progress = process.env.BEACON_PROGRESS_FILE;
const worker = createWorker(database, config, pino({ level: 'silent' }));
if (progress) worker.observe((job) => fs.appendFileSync(progress, `${job.type}\n`));
// The periodic jobs (chasing, expiry, reminders, purges, the audit checkpoint) are queued as the running service would.
await worker.schedule();
const ran = await worker.drain();
await database.close();
process.stdout.write(`${JSON.stringify({ jobs: ran })}\n`);
