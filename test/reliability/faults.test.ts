import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 10, faults, the few rounds CI runs: the fault benchmark (bench/faults/run.ts) with one round for
 * each of a few kinds of job — kill -9 of the worker just after such a job starts, restart, and compare
 * everything it left (rows, jobs, emails by Message-ID) with a run that was never killed. The benchmark
 * itself runs every kind, 20 rounds each (npm run bench:faults). On PostgreSQL (TEST_DATABASE_URL) the
 * restarted worker takes over when the dead one's 30 s lease lapses, so CI kills during two kinds there.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('kill -9 during jobs, then restart: nothing lost, nothing duplicated', () => {
  it('for the alert fan-out, its emails, acknowledgement chasing and presentation emails', () => {
    const pg = process.env.TEST_DATABASE_URL;
    const kinds = pg
      ? 'alerts.delivery-email,alerts.acknowledgement-chase'
      : 'alerts.distribute,alerts.delivery-email,alerts.acknowledgement-chase,pointOfCare.presentation-email';
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/faults/run.ts',
        '--rounds',
        '1',
        '--kinds',
        kinds,
        '--seed',
        String(Date.now() % 100_000),
        ...(pg ? ['--engine', 'postgres'] : []),
      ],
      {
        cwd: ROOT,
        env: { ...process.env, ...(pg ? { BEACON_BENCH_DATABASE_URL: pg } : {}) },
        encoding: 'utf8',
        timeout: 280_000,
      },
    );
    console.log(run.stdout);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Target: 0 lost, 0 duplicated — MET/);
    // Every kind asked for was really killed mid-job (not finished before the kill point).
    for (const kind of kinds.split(',')) expect(run.stdout).toMatch(new RegExp(`${kind.replace('.', '\\.')}\\s+1/1\\s+0\\s+0`));
  }, 300_000);
});
