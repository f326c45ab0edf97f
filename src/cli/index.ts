import fs from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { sql } from 'drizzle-orm';
import { ConfigError, loadConfig, type Config } from '../config';
import { DataDirLockedError } from '../platform/db/lock';
import { DatabaseUnavailableError, openDatabase, type Database } from '../platform/db/engine';
import { systemContext, ROLES, type Role } from '../platform/context';
import { verifyAudit } from '../assurance/audit-log';
import { recordAuditNow } from '../platform/audit/service';
import { RegisterIndex } from '../identity/register-index';
import { matchesToCsv, readScreeningCsv, referenceSearcher, screen, validateRows, type ScreeningMatch, type ScreeningProblem } from '../identity/screening';
import { ValidationError } from '../platform/errors';
import { organisations, units } from '../directory/schema';
import { createUser } from '../people/service';
import { seedDemo } from '../demo/seed';
import { seedDemoCases } from '../demo/cases';
import { seedDemoLearning } from '../demo/learning';
import { seedDemoLibrary } from '../demo/library';
import { seedDemoClients } from '../demo/clients';
import { seedDemoAssurance } from '../demo/assurance';
import { seedDemoTracker } from '../demo/tracker';
import { seedDemoCaseFileAudit } from '../demo/casefile';
import { resultsCsv } from '../learning/results';
import { startService } from '../server';
import { importOdsCsv } from '../directory/ods-import';
import { importBankHolidays, listBankHolidays } from '../cases/bank-holidays';

/** Errors the operator can act on: printed as one clear message, exit code 2. */
class CliError extends Error {}

async function withDatabase<T>(config: Config, fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, appRole: config.dbAppRole });
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

function roleArg(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of: ${ROLES.join(', ')}`);
  return value as Role;
}

async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError('--password-stdin expects the password on standard input, e.g. `printf %s "$PW" | beacon create-user …`');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function buildCli(): Command {
  const program = new Command();
  program
    .name('beacon')
    .description(
      'Beacon: multi-agency safeguarding service for unborn and newborn babies.\nConfiguration comes from environment variables (see README): DATABASE_URL for PostgreSQL, otherwise PGlite in BEACON_DATA_DIR.',
    )
    .showHelpAfterError('(run `beacon --help` for the commands)')
    .exitOverride();

  program
    .command('serve')
    .description('run the web service and job worker (same as npm start)')
    .action(async () => {
      await startService(loadConfig(), { handleSignals: true });
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async () => {
      const config = loadConfig();
      await withDatabase(config, async (d) => {
        const [row] = await d.query<{ n: number }>('SELECT count(*)::int AS n FROM beacon_migrations');
        console.log(`Database is up to date (${row?.n ?? 0} migrations applied) – ${d.describe()}`);
      });
    });

  program
    .command('seed-demo')
    .description('add the demo directory (four-partnership area and other regions) and one demo user per role')
    .option('--password <password>', 'password for the demo users (default: a random one, printed)')
    .action(async (opts: { password?: string }) => {
      const config = loadConfig();
      if (config.production) throw new CliError('Refusing to add demo users to a production service (NODE_ENV=production).');
      await withDatabase(config, async (d) => {
        const r = await seedDemo(d.db, opts.password);
        console.log(`Directory: ${r.directory.geographies} areas, ${r.directory.organisations} organisations, ${r.directory.units} units added.`);
        const demoCases = await seedDemoCases(d.db);
        if (demoCases) console.log(`Demo cases: ${demoCases} added.`);
        if (r.created.length && (await seedDemoLearning(d.db, { password: r.password })))
          console.log('Demo training: courses, sessions, bookings and evaluations added.');
        if (r.created.length && (await seedDemoLibrary(d.db))) console.log('Demo library: four documents published, one in review, a briefing circulated.');
        if (r.created.length && (await seedDemoClients(d.db))) console.log('Demo API client: an emergency department record system (Users → API clients).');
        if (r.created.length && (await seedDemoAssurance(d.db, { password: r.password })))
          console.log('Demo assurance: a year of Southampton alert history and its SOP audit, signed off.');
        if (r.created.length && (await seedDemoTracker(d.db)))
          console.log('Demo review tracker: the Baby H partnership review, its four recommendations, actions and evidence.');
        if (r.created.length && (await seedDemoCaseFileAudit(d.db, { password: r.password })))
          console.log('Demo case-file audit: a concealed pregnancy round, one section moderated, one to do.');
        if (r.created.length) {
          console.log('Demo users added:');
          for (const c of r.created) console.log(`  ${c.email.padEnd(34)} ${c.role}`);
          console.log(`  password: ${r.password}`);
        } else console.log('Demo users already exist; none added.');
      });
    });

  program
    .command('import-ods')
    .description('import or update organisations from an ODS-style CSV extract (all rows or none; see docs/ods-import.md)')
    .argument('<file>', 'CSV file with a header row')
    .option('--dry-run', 'check the file and report what would change, without writing')
    .action(async (file: string, opts: { dryRun?: boolean }) => {
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CliError(`File not found: ${file}`);
      const text = fs.readFileSync(file, 'utf8');
      const config = loadConfig();
      await withDatabase(config, async (d) => {
        const report = await importOdsCsv(d.db, systemContext('cli'), text, { dryRun: !!opts.dryRun });
        if (!report.ok) {
          console.error(`${file}: ${report.errors.length} problem${report.errors.length === 1 ? '' : 's'}; nothing was imported.`);
          for (const e of report.errors) console.error(`  line ${e.line}${e.field ? ` (${e.field})` : ''}: ${e.message}`);
          process.exitCode = 1;
          return;
        }
        console.log(
          `${report.dryRun ? 'Dry run – would import' : 'Imported'} ${report.rows} rows: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged.`,
        );
      });
    });

  program
    .command('create-user')
    .description('create a person who can sign in, with a first role in an organisation')
    .requiredOption('--email <email>', 'work email address (their sign-in name)')
    .requiredOption('--name <name>', 'full name')
    .requiredOption('--ods <code>', 'ODS code of their organisation, e.g. RHM')
    .requiredOption('--role <role>', `one of: ${ROLES.join(', ')}`, roleArg)
    .option('--unit <name>', 'unit name (required for unit_coordinator)')
    .option('--job-title <title>', 'job title')
    .option('--password-stdin', 'read the password from standard input (otherwise a one-time set-up link is printed)')
    .action(async (opts: { email: string; name: string; ods: string; role: Role; unit?: string; jobTitle?: string; passwordStdin?: boolean }) => {
      const config = loadConfig();
      const password = opts.passwordStdin ? await readPasswordFromStdin() : undefined;
      await withDatabase(config, async (d) => {
        const [org] = await d.db.select().from(organisations).where(sql`upper(${organisations.odsCode}) = ${opts.ods.trim().toUpperCase()}`);
        if (!org) throw new CliError(`No organisation has ODS code ${opts.ods}. Check the code, or import it first with \`beacon import-ods\`.`);
        let unitId = '';
        if (opts.unit) {
          const [unit] = await d.db
            .select()
            .from(units)
            .where(sql`${units.organisationId} = ${org.id} AND lower(${units.name}) = ${opts.unit.trim().toLowerCase()}`);
          if (!unit) throw new CliError(`${org.name} has no unit called "${opts.unit}".`);
          unitId = unit.id;
        }
        const { userId, setupToken } = await createUser(
          d.db,
          systemContext('cli'),
          { email: opts.email, displayName: opts.name, jobTitle: opts.jobTitle ?? '', organisationId: org.id, role: opts.role, unitId },
          password !== undefined ? { password } : {},
        );
        console.log(`Created ${opts.email} (${opts.role} at ${org.name}), id ${userId}.`);
        if (setupToken) console.log(`One-time set-up link (72 hours): ${config.publicUrl}/account/setup/${setupToken}`);
      });
    });

  const holidays = program.command('bank-holidays').description('bank holidays in England and Wales (working-day deadlines respect them)');
  holidays
    .command('list')
    .description('list the bank holidays Beacon knows')
    .action(async () => {
      await withDatabase(loadConfig(), async (d) => {
        const list = await listBankHolidays(d.db);
        for (const h of list) console.log(`${h.date}  ${h.title}`);
        console.log(list.length ? `${list.length} bank holidays, ${list[0]!.date} to ${list[list.length - 1]!.date}.` : 'No bank holidays are held.');
      });
    });
  holidays
    .command('import')
    .description("add or correct bank holidays from GOV.UK's bank-holidays.json (the england-and-wales list); all or nothing")
    .argument('<file>', 'a copy of https://www.gov.uk/bank-holidays.json')
    .action(async (file: string) => {
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CliError(`File not found: ${file}`);
      let json: unknown;
      try {
        json = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        throw new CliError(`${file} is not JSON. Download https://www.gov.uk/bank-holidays.json and try again.`);
      }
      await withDatabase(loadConfig(), async (d) => {
        try {
          const r = await importBankHolidays(d.db, systemContext('cli'), json);
          console.log(`Bank holidays: ${r.added} added, ${r.updated} corrected, ${r.total} held.`);
        } catch (err) {
          if (err instanceof ValidationError) {
            for (const [field, message] of Object.entries(err.fieldErrors)) console.error(`${file}: ${field}: ${message}`);
            throw new CliError(`${file} was not imported; nothing changed.`);
          }
          throw err;
        }
      });
    });

  program
    .command('screen')
    .description('screen a list of people (bookings, admissions, attendances) against active alerts, or against a reference file')
    .requiredOption(
      '--input <file>',
      'CSV with a header row: id (required), nhs_number, given_name, family_name, other_names (;-separated), date_of_birth, postcode, address, edd, sex, other_id',
    )
    .requiredOption('--out <file>', 'where to write matches: input_id, rank, reference_id, probability, band (one row per candidate)')
    .option('--reference <file>', 'screen against the people in this CSV (same columns) instead of the live register')
    .option(
      '--top <n>',
      'candidates per person, at most',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 50) throw new InvalidArgumentError('must be a whole number from 1 to 50');
        return n;
      },
      5,
    )
    .action(async (opts: { input: string; out: string; reference?: string; top: number }) => {
      const read = (file: string) => {
        if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CliError(`File not found: ${file}`);
        return readScreeningCsv(fs.readFileSync(file, 'utf8'));
      };
      const input = read(opts.input);
      const report = (file: string, problems: ScreeningProblem[]) => {
        for (const p of problems)
          console.error(
            `${file}: line ${p.line}${p.field !== 'row' && p.field !== 'file' ? ` (${p.field})` : ''}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`,
          );
      };
      if (input.problems.length) {
        report(opts.input, input.problems);
        throw new CliError(`${opts.input} could not be screened.`);
      }
      const { valid, problems } = validateRows(input.rows);
      report(opts.input, problems);

      let matches: ScreeningMatch[];
      if (opts.reference) {
        const ref = read(opts.reference);
        if (ref.problems.length) {
          report(opts.reference, ref.problems);
          throw new CliError(`${opts.reference} could not be read.`);
        }
        const refRows = validateRows(ref.rows);
        report(
          opts.reference,
          refRows.problems.filter((p) => p.severity === 'error'),
        );
        matches = screen(valid, referenceSearcher(refRows.valid.map((v) => v.row)), opts.top);
      } else {
        const config = loadConfig();
        matches = await withDatabase(config, async (d) => {
          const index = new RegisterIndex({ listen: false, reconcileMs: 0 });
          await index.build(d.db);
          const found = screen(
            valid,
            (q, top) => index.search(q, top).map((c) => ({ referenceId: c.reference, probability: c.probability, band: c.band })),
            opts.top,
          );
          // Screening reads the register: who ran it and how much it found is audited (not who was on the list).
          await recordAuditNow(d.db, systemContext('cli'), {
            action: 'alert.screen',
            verb: 'E',
            entityType: 'Alert',
            detail: { rows: input.rows.length, screened: valid.length, matches: found.length, inputsMatched: new Set(found.map((m) => m.inputId)).size },
          });
          return found;
        });
      }
      fs.writeFileSync(opts.out, matchesToCsv(matches));
      const errors = problems.filter((p) => p.severity === 'error').length;
      const people = new Set(matches.map((m) => m.inputId)).size;
      console.log(
        `Screened ${valid.length} of ${input.rows.length} rows${errors ? ` (${errors} problem${errors === 1 ? '' : 's'} above; those rows were skipped)` : ''}: ${people} with a possible or strong match, ${matches.length} row${matches.length === 1 ? '' : 's'} written to ${opts.out}.`,
      );
    });

  const learning = program.command('learning').description('the partnership’s training and its evaluations');
  learning
    .command('export')
    .description('export a course’s evaluation answers (no person named; anonymous surveys without organisation or role)')
    .requiredOption('--course <id>', 'the course (its id, from the course page’s address)')
    .option('--format <format>', 'csv (the only format)', 'csv')
    .option('--from <date>', 'sessions from this day (YYYY-MM-DD)')
    .option('--to <date>', 'sessions up to this day (YYYY-MM-DD)')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (opts: { course: string; format: string; from?: string; to?: string; out?: string }) => {
      if (opts.format !== 'csv') throw new CliError(`--format must be csv (got ${opts.format})`);
      const config = loadConfig();
      await withDatabase(config, async (d) => {
        let csv: string;
        try {
          csv = await resultsCsv(d.db, systemContext('cli'), opts.course, { from: opts.from, to: opts.to });
        } catch (err) {
          if ((err as { status?: number }).status === 404) throw new CliError(`No course has the id ${opts.course}`);
          throw err;
        }
        if (opts.out) {
          fs.writeFileSync(opts.out, csv);
          console.log(`${csv.split('\n').filter(Boolean).length - 1} answers written to ${opts.out}`);
        } else process.stdout.write(csv);
      });
    });

  const audit = program.command('audit').description('the tamper-evident audit log');
  audit
    .command('verify')
    .description('recompute the hash chain and report the first broken link (exit 1 if broken)')
    .action(async () => {
      const config = loadConfig();
      await withDatabase(config, async (d) => {
        const result = await verifyAudit(d.db, systemContext('cli'), config.dataDir);
        if (result.ok) {
          console.log(`Audit log intact: ${result.checked} events checked.`);
          if (result.head) console.log(`Head: event ${result.head.seq}, hash ${result.head.hash}`);
        } else {
          console.error(`Audit log BROKEN at event ${result.broken!.seq}: ${result.broken!.problem}.`);
          console.error(`${result.checked} events before it are intact.`);
          process.exitCode = 1;
        }
      });
    });

  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildCli();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage mistakes have already been printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof ValidationError) {
      console.error('Not done:');
      for (const [field, message] of Object.entries(err.fieldErrors)) console.error(`  ${field}: ${message}`);
      return 2;
    }
    if (err instanceof CliError || err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof DatabaseUnavailableError) {
      console.error(err.message);
      return 2;
    }
    console.error(err);
    return 1;
  }
}

if (process.argv[1]?.endsWith('beacon.js') || process.argv[1]?.endsWith('cli/index.ts')) {
  const code = await runCli(process.argv.slice(2));
  // `serve` keeps running; everything else exits with its code.
  if (process.argv[2] !== 'serve' || code !== 0) process.exit(code);
}
