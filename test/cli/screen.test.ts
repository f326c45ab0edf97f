import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db/engine';
import { seedDemo } from '../../src/demo/seed';
import { readScreeningCsv, validateRows } from '../../src/identity/screening';
import { contextFor, raiseActiveAlert, SUBJECT, validAlertContent } from '../support/alerts';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/pg-throwaway';

const run = promisify(execFile);
const BIN = path.resolve(__dirname, '../../bin/beacon.js');

describe('reading a screening file', () => {
  it('gives each row the line it starts on, past quoted line breaks and blank lines; bad rows are named and skipped', () => {
    const text = 'given_name,ID,date_of_birth\nJane,a1,1990-01-02\n"Multi\nline",a2,1990-13-40\n\n,,\nKate,a4,1991-05-06\n';
    const { rows, problems } = readScreeningCsv(text);
    expect(problems).toEqual([]);
    expect(rows.map((r) => [r.line, r.record.id])).toEqual([
      [2, 'a1'],
      [3, 'a2'],
      [6, ''],
      [7, 'a4'],
    ]);
    const checked = validateRows(rows);
    expect(checked.valid.map((v) => v.row.id)).toEqual(['a1', 'a4']);
    expect(checked.problems).toEqual([
      { line: 3, field: 'date_of_birth', message: 'date_of_birth is not a real date', severity: 'error' },
      { line: 6, field: 'id', message: 'id is required', severity: 'error' },
    ]);
  });

  it('refuses a file without an id column, or that is not CSV, with the line', () => {
    expect(readScreeningCsv('name,dob\nx,y\n').problems).toEqual([{ line: 1, field: 'id', message: 'the header row has no id column', severity: 'error' }]);
    const broken = readScreeningCsv('id,a\n"x,1\n').problems;
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatchObject({ line: 2, field: 'file', severity: 'error' });
  });
});

describe('beacon screen', () => {
  let dir: string;
  let throwaway: ThrowawayDatabase | undefined;
  let env: NodeJS.ProcessEnv;
  let reference = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-screen-'));
    env = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', BEACON_DATA_DIR: path.join(dir, 'data'), BEACON_DEMO_DATA: 'false' };
    delete env.DATABASE_URL;
    if (process.env.TEST_DATABASE_URL) {
      throwaway = await createThrowawayDatabase(process.env.TEST_DATABASE_URL);
      env.DATABASE_URL = throwaway.url;
    }
    // A live register with one active alert, written by this process, then closed for the command to use.
    const database = await openDatabase(throwaway ? { databaseUrl: throwaway.url } : { dataDir: env.BEACON_DATA_DIR! });
    try {
      await seedDemo(database.db, 'screening test password');
      const midwife = await contextFor(database.db, 'midwife@beacon.example');
      const designated = await contextFor(database.db, 'designated@beacon.example');
      reference = (await raiseActiveAlert(database.db, midwife, designated, validAlertContent())).reference;
    } finally {
      await database.close();
    }
    fs.writeFileSync(
      path.join(dir, 'people.csv'),
      [
        'sex,family_name,given_name,date_of_birth,id,nhs_number,unknown_column',
        // Her, with her surname misspelt, her date of birth a year out and no NHS number.
        `F,${SUBJECT.family.replace('nn', 'n')},${SUBJECT.given},${Number(SUBJECT.dateOfBirth.slice(0, 4)) + 1}${SUBJECT.dateOfBirth.slice(4)},b1,,x`,
        'F,Nobody,Alice,1985-03-03,b2,,x',
        'F,Broken,Row,31/02/1990,b3,,x',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'reference.csv'),
      ['id,given_name,family_name,date_of_birth,postcode', 'r1,Katherine,Smith,1990-01-02,SO16 6YD', 'r2,Alice,Jones,1985-03-03,PO6 3LY'].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'queries.csv'),
      ['id,given_name,family_name,date_of_birth,postcode', 'q1,Kate,Smyth,1990-02-01,SO16 6YD', 'q2,Bob,Brown,1970-05-05,M1 1AA'].join('\n'),
    );
  });

  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await throwaway?.drop();
  });

  const beacon = async (args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const csv = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n');

  it('against the live register: finds her despite a misspelt surname and a wrong year of birth, reports the bad row by line, writes no row for people with no alert', async () => {
    const out = path.join(dir, 'live.csv');
    const r = await beacon(['screen', '--input', path.join(dir, 'people.csv'), '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('line 4 (date_of_birth)');
    expect(r.stdout).toContain('Screened 2 of 3 rows');
    const lines = csv(out);
    expect(lines[0]).toBe('input_id,rank,reference_id,probability,band');
    expect(lines).toHaveLength(2);
    const [inputId, rank, ref, probability, band] = lines[1]!.split(',');
    expect([inputId, rank, ref]).toEqual(['b1', '1', reference]);
    expect(Number(probability)).toBeGreaterThan(0.5);
    expect(['strong', 'possible']).toContain(band);
  });

  it('against a reference file: no database needed; --top bounds the rows; bad arguments exit non-zero', async () => {
    const out = path.join(dir, 'ref-out.csv');
    const r = await beacon(['screen', '--input', path.join(dir, 'queries.csv'), '--reference', path.join(dir, 'reference.csv'), '--out', out, '--top', '1']);
    expect(r.code).toBe(0);
    const lines = csv(out);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['q1,1,r1']);
    expect((await beacon(['screen', '--input', path.join(dir, 'queries.csv'), '--out', out, '--top', '0'])).code).toBe(2);
    const missing = await beacon(['screen', '--input', path.join(dir, 'nope.csv'), '--out', out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('File not found');
  });
});
