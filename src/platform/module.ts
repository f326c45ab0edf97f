/**
 * The module contract: what a capability gives the composition root (src/modules.ts). One object per
 * capability folder, listed once; app.ts registers its routes and menu items, server.ts its jobs. A
 * capability never imports app.ts, server.ts or modules.ts: everything it needs arrives through
 * {@link AppDeps} (pages and API) or {@link JobDeps} (jobs).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config';
import type { Database, Db } from './db/engine';
import type { AppDeps } from './http/deps';
import type { NavEntry } from './http/navigation';
import type { Worker } from './jobs/worker';
import type { Mailer } from './notify/mailer';

/** What a capability's job handlers are given: the same database and mailer for every module. */
export interface JobDeps {
  config: Config;
  database: Database;
  db: Db;
  mailer: Mailer;
}

export type RoutePlugin = (deps: AppDeps) => FastifyPluginAsync;

export interface BeaconModule {
  /** The capability's folder under src/ (used in logs and the architecture test). */
  name: string;
  /** Pages: Fastify plugins, each given the dependencies. Services decide; routes translate. */
  routes?: readonly RoutePlugin[];
  /**
   * JSON API operations under /api: plugins that register each operation in the one OpenAPI registry
   * (`api.route` in platform/http/api.ts), so GET /api/openapi.json describes exactly what is served.
   */
  api?: readonly RoutePlugin[];
  /** Header menu items, each with the permission it needs and what it counts (platform/http/navigation.ts). */
  navigation?: readonly NavEntry[];
  /** Job handlers and periodic jobs. Every message a service causes is queued in its transaction (outbox). */
  jobs?: (worker: Worker, deps: JobDeps) => void;
}

/** Declare a module (a typed identity: the object is checked against the contract where it is written). */
export const defineModule = (m: BeaconModule): BeaconModule => m;
