import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from '../../schema';
import { acquireDataDirLock, type DataDirLock } from './lock';
import { applyGrants, runMigrations, type RawClient } from './migrate';

export type Schema = typeof schema;
/** The drizzle database, the same type on both engines. Transactions are `Db` too. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  engine: 'pglite' | 'postgres';
  db: Db;
  /** Raw SQL with positional parameters ($1…). Prefer drizzle; this is for DDL, locks and reports. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** A short description for logs and /health (never includes a password). */
  describe(): string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres://… for PostgreSQL; otherwise PGlite in `dataDir` (or in memory when dataDir is 'memory://'). */
  databaseUrl?: string | undefined;
  dataDir?: string;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** PostgreSQL role the service switches to after migrating; it cannot change audit rows. */
  appRole?: string;
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts) : openPglite(opts.dataDir ?? './data', opts);
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

async function openPostgres(url: string, opts: OpenOptions): Promise<Database> {
  const where = redactUrl(url);
  const appRole = opts.appRole ?? 'beacon_app';
  // Migrate on a dedicated connection as the connecting (owning) role.
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new DatabaseUnavailableError(
      `Cannot connect to PostgreSQL at ${where}: ${(err as Error).message}. Is the database running, and is DATABASE_URL right?`,
      { cause: err },
    );
  }
  let useRole = false;
  try {
    const raw: RawClient = { query: async (text, params) => (await admin.query(text, params as unknown[])).rows };
    if (opts.migrate !== false) await runMigrations(raw);
    useRole = await applyGrants(raw, appRole);
  } finally {
    await admin.end();
  }

  // Every connection the service uses runs as the application role (set at connection start-up, so
  // no query can run before it): that role may not UPDATE or DELETE audit rows.
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 10_000,
    ...(useRole ? { options: `-c role=${appRole}` } : {}),
  });
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead of crashing
  // A client checked out (inside a transaction, between its statements) when PostgreSQL goes away would
  // otherwise emit an unhandled 'error' and end the process: the failure surfaces on its next query, the
  // pool drops the broken client, and new connections are made once the server is back.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    preparePerConnection(client);
  });
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  return {
    engine: 'postgres',
    db,
    async query<T>(text: string, params?: unknown[]) {
      return (await pool.query(text, params)).rows as T[];
    },
    describe: () => `PostgreSQL ${where}${useRole ? ` as ${appRole}` : ''}`,
    close: () => pool.end(),
  };
}

/** Statements longer than this (bulk inserts) are not kept prepared. */
const PREPARE_MAX_TEXT = 8_000;
/** At most this many statements are kept prepared on one connection; later ones run unnamed. */
const PREPARE_MAX_PER_CONNECTION = 300;

/**
 * Prepare each parameterised statement once per connection, as postgres.js and JDBC drivers do: a
 * statement named after its own text is parsed and planned by PostgreSQL the first time a connection
 * sees it, and then only bound and executed (node-postgres otherwise parses and plans every query).
 * Under load this is most of PostgreSQL's work for Beacon's short queries. One text always has one name,
 * so a name can never be reused for different SQL; very long texts and more than a few hundred distinct
 * statements per connection run unnamed, so memory on the server stays bounded.
 */
export function preparePerConnection(client: pg.PoolClient | pg.Client): void {
  const original = client.query.bind(client) as (...args: unknown[]) => unknown;
  const named = new Set<string>();
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (
      config &&
      typeof config === 'object' &&
      typeof (config as pg.QueryConfig).text === 'string' &&
      !(config as pg.QueryConfig).name &&
      Array.isArray(values ?? (config as pg.QueryConfig).values) &&
      ((values ?? (config as pg.QueryConfig).values) as unknown[]).length > 0
    ) {
      const text = (config as pg.QueryConfig).text;
      if (text.length <= PREPARE_MAX_TEXT) {
        const name = `b_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
        if (named.has(name) || named.size < PREPARE_MAX_PER_CONNECTION) {
          named.add(name);
          return original({ ...(config as pg.QueryConfig), name }, values, callback);
        }
      }
    }
    return original(config, values, callback);
  };
}

async function openPglite(dataDir: string, opts: OpenOptions): Promise<Database> {
  const memory = dataDir === 'memory://' || dataDir.startsWith('memory://');
  let lock: DataDirLock | undefined;
  let dir = dataDir;
  if (!memory) {
    dir = path.resolve(dataDir);
    fs.mkdirSync(dir, { recursive: true });
    lock = acquireDataDirLock(dir);
  }
  let client: PGlite;
  try {
    client = await PGlite.create(memory ? undefined : path.join(dir, 'pgdata'), { extensions: { pg_trgm } });
  } catch (err) {
    lock?.release();
    throw new DatabaseUnavailableError(`Cannot open the embedded database in ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const raw: RawClient = { query: async (text, params) => (await client.query(text, params as unknown[])).rows as Record<string, unknown>[] };
  try {
    if (opts.migrate !== false) await runMigrations(raw);
  } catch (err) {
    await client.close();
    lock?.release();
    throw err;
  }
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  let closed = false;
  return {
    engine: 'pglite',
    db,
    async query<T>(text: string, params?: unknown[]) {
      return (await client.query(text, params)).rows as T[];
    },
    describe: () => `PGlite ${memory ? '(in memory)' : dir}`,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}
