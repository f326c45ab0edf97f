/**
 * Run a benchmark on both engines, as the service runs on them: PGlite file-backed in a temporary data
 * directory, then PostgreSQL in a throwaway database on `pgUrl` (skipped, and said so, when it cannot be
 * reached). Each engine is closed, and its directory or database removed, whatever happens.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Database, openDatabase } from '../src/platform/db/engine';
import { createThrowawayDatabase } from '../test/support/pg-throwaway';

export async function onBothEngines<T>(name: string, pgUrl: string, run: (engine: string, database: Database) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `beacon-bench-${name}-`));
  try {
    const pglite = await openDatabase({ dataDir: path.join(tmp, 'pglite') });
    try {
      results.push(await run('PGlite (file-backed)', pglite));
    } finally {
      await pglite.close();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  let throwaway: Awaited<ReturnType<typeof createThrowawayDatabase>> | null = null;
  try {
    throwaway = await createThrowawayDatabase(pgUrl, 'beacon_bench');
  } catch (err) {
    console.log(`PostgreSQL at ${pgUrl.replace(/:[^:@/]*@/, ':****@')} is not reachable (${(err as Error).message}): skipped\n`);
  }
  if (throwaway) {
    try {
      const postgres = await openDatabase({ databaseUrl: throwaway.url });
      try {
        const [v] = await postgres.query<{ server_version: string }>('SHOW server_version');
        results.push(await run(`PostgreSQL ${v?.server_version.split(' ')[0] ?? ''}`.trim(), postgres));
      } finally {
        await postgres.close();
      }
    } finally {
      await throwaway.drop();
    }
  }
  return results;
}
