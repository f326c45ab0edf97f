import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/pg-throwaway';

const run = promisify(execFile);
const BIN = path.resolve(__dirname, '../../bin/beacon.js');
const FIXTURES = path.resolve(__dirname, '../fixtures/ods');

/**
 * The `beacon` command as an operator runs it: a real process, real database (PGlite in a temporary data
 * directory, or the PostgreSQL test database when TEST_DATABASE_URL is set).
 */
describe('beacon command line', () => {
  let dataDir: string;
  let throwaway: ThrowawayDatabase | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-cli-'));
    env = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', BEACON_DATA_DIR: dataDir, BEACON_DEMO_DATA: 'false' };
    delete env.DATABASE_URL;
    if (process.env.TEST_DATABASE_URL) {
      throwaway = await createThrowawayDatabase(process.env.TEST_DATABASE_URL);
      env.DATABASE_URL = throwaway.url;
    }
  });

  afterAll(async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await throwaway?.drop();
  });

  const beacon = async (args: string[], input?: string) => {
    try {
      const child = run(process.execPath, [BIN, ...args], { env, timeout: 60_000 });
      if (input !== undefined) {
        child.child.stdin?.end(input);
      } else child.child.stdin?.end();
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('prints help and refuses unknown commands with a non-zero exit', async () => {
    const help = await beacon(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['serve', 'migrate', 'seed-demo', 'import-ods', 'create-user', 'audit']) expect(help.stdout).toContain(cmd);
    const bad = await beacon(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command/i);
  });

  it('migrates, seeds, creates users, imports ODS files and verifies the audit log', async () => {
    const migrate = await beacon(['migrate']);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(/up to date \(\d+ migrations applied\)/);

    const seed = await beacon(['seed-demo', '--password', 'a long demo password']);
    expect(seed.code).toBe(0);
    expect(seed.stdout).toContain('admin@beacon.example');

    const created = await beacon(
      ['create-user', '--email', 'new.person@beacon.example', '--name', 'New Person', '--ods', 'rhm', '--role', 'social_worker', '--password-stdin'],
      'yet another long password',
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Created new.person@beacon.example');

    const invite = await beacon(['create-user', '--email', 'invitee@beacon.example', '--name', 'Invitee', '--ods', 'RHU', '--role', 'point_of_care']);
    expect(invite.code).toBe(0);
    expect(invite.stdout).toMatch(/\/account\/setup\/[\w-]{20,}/);

    const dup = await beacon(['create-user', '--email', 'NEW.person@beacon.example', '--name', 'Again', '--ods', 'RHM', '--role', 'social_worker']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('already has an account');

    const noOrg = await beacon(['create-user', '--email', 'z@beacon.example', '--name', 'Z', '--ods', 'NOPE', '--role', 'auditor']);
    expect(noOrg.code).toBe(2);
    expect(noOrg.stderr).toContain('No organisation has ODS code NOPE');

    const badRole = await beacon(['create-user', '--email', 'z@beacon.example', '--name', 'Z', '--ods', 'RHM', '--role', 'wizard']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('must be one of');

    const imported = await beacon(['import-ods', path.join(FIXTURES, 'trusts-and-practices.csv')]);
    expect(imported.code).toBe(0);
    const again = await beacon(['import-ods', path.join(FIXTURES, 'trusts-and-practices.csv')]);
    expect(again.stdout).toMatch(/0 created, 0 updated, \d+ unchanged/);

    const bad = await beacon(['import-ods', path.join(FIXTURES, 'bad-rows.csv')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('nothing was imported');
    expect(bad.stderr).toMatch(/line \d+/);

    const missing = await beacon(['import-ods', path.join(FIXTURES, 'no-such-file.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('File not found');

    const verify = await beacon(['audit', 'verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/Audit log intact: \d+ events checked/);
  }, 240_000); // a dozen real processes, each starting the database: slow when the suite loads both cores

  it('lists and imports bank holidays from GOV.UK’s file, all or nothing', async () => {
    await beacon(['migrate']);
    const list = await beacon(['bank-holidays', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('2026-12-28  Boxing Day (substitute day)');
    const good = path.join(dataDir, 'bank-holidays.json');
    fs.writeFileSync(
      good,
      JSON.stringify({
        'england-and-wales': {
          division: 'england-and-wales',
          events: [
            { title: 'New Year’s Day', date: '2029-01-01', notes: '', bunting: true },
            { title: 'Christmas Day', date: '2028-12-25', notes: '', bunting: true },
          ],
        },
        scotland: { division: 'scotland', events: [{ title: '2nd January', date: '2029-01-02', notes: '', bunting: true }] },
      }),
    );
    const imported = await beacon(['bank-holidays', 'import', good]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/1 added, 0 corrected/);
    const bad = path.join(dataDir, 'bad-holidays.json');
    fs.writeFileSync(
      bad,
      JSON.stringify({
        'england-and-wales': {
          events: [
            { title: 'Made up', date: '2030-01-01' },
            { title: 'Broken', date: '2030-02-30' },
          ],
        },
      }),
    );
    const refused = await beacon(['bank-holidays', 'import', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/real date/);
    const after = await beacon(['bank-holidays', 'list']);
    expect(after.stdout).toContain('2029-01-01');
    expect(after.stdout).not.toContain('2030-01-01');
    // Scotland's list is not England's.
    expect(after.stdout).not.toContain('2029-01-02');
  }, 120_000);

  it('refuses bad configuration with a message naming the variable', async () => {
    const saved = env.PORT;
    env.PORT = 'not-a-port';
    const r = await beacon(['migrate']);
    env.PORT = saved;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('PORT');
  });
});
