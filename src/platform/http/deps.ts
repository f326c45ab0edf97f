import type { Config } from '../../config';
import type { Database } from '../db/engine';

/**
 * What every capability's routes are given by the composition root (src/app.ts): the configuration and
 * the database. Capabilities import this type from here, never from app.ts, so the wiring points one
 * way: app.ts lists the capabilities; no capability knows app.ts.
 */
export interface AppDeps {
  config: Config;
  database: Database;
}
