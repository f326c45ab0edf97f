import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/server';
import { seedDemo } from '../../src/demo/seed';
import { createThrowawayDatabase, type ThrowawayDatabase } from './pg-throwaway';

/** The password every seeded demo user has in tests. */
export const TEST_PASSWORD = 'test-password-correct-horse-42';

export interface TestService {
  /** Where the service listens, like http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  service: RunningService;
  /** The password of every demo user (see src/demo/directory-data.ts for their emails). */
  password: string;
  engine: 'pglite' | 'postgres';
  stop(): Promise<void>;
}

export interface TestServiceOptions {
  /** Extra environment for loadConfig (e.g. SIGN_IN_RATE_LIMIT). */
  env?: Record<string, string>;
  /** Seed the demo directory and users (default true). */
  seed?: boolean;
}

/**
 * The real Beacon service (startService from src/server.ts) on a free port of 127.0.0.1, with its own
 * database: a fresh PGlite folder by default, or a throwaway PostgreSQL database when TEST_DATABASE_URL
 * is set. The demo directory and users are seeded with TEST_PASSWORD. stop() closes the service and
 * removes the folder or drops the database.
 */
export async function startTestService(opts: TestServiceOptions = {}): Promise<TestService> {
  const base = process.env.TEST_DATABASE_URL;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-test-'));
  let pgDb: ThrowawayDatabase | null = null;
  const cleanUp = async () => {
    try {
      await pgDb?.drop();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };

  let started: RunningService | undefined;
  try {
    if (base) pgDb = await createThrowawayDatabase(base, 'beacon_svc');
    const config = loadConfig({
      NODE_ENV: 'test',
      // BEACON_TEST_LOG_LEVEL=error shows the service's own log while debugging a test.
      LOG_LEVEL: process.env.BEACON_TEST_LOG_LEVEL || 'silent',
      BEACON_DEMO_DATA: 'false',
      BEACON_WORKER: 'false',
      HOST: '127.0.0.1',
      PORT: '0',
      BEACON_DATA_DIR: dataDir,
      ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
      ...opts.env,
    });
    started = await startService(config);
    // The port is only known once listening: links the service builds (set-up links) must use it.
    config.publicUrl = started.url;
    if (opts.seed !== false) await seedDemo(started.database.db, TEST_PASSWORD);
  } catch (err) {
    // startService closes its own database when it fails; a failed seed leaves the service running.
    await started?.stop().catch(() => undefined);
    await cleanUp();
    throw err;
  }
  const service = started;

  let stopping: Promise<void> | null = null;
  return {
    url: service.url,
    service,
    password: TEST_PASSWORD,
    engine: service.database.engine,
    stop: () =>
      (stopping ??= (async () => {
        try {
          await service.stop();
        } finally {
          await cleanUp();
        }
      })()),
  };
}
