import { z } from 'zod';
import { ConfigError } from '../../config';

/**
 * Settings of the point-of-care check, from the environment (validated once, like src/config.ts; a bad
 * value stops the service with a message naming the variable).
 *
 *   BEACON_CHECK_SEARCH_LIMIT            searches one person may make per window (default 30)
 *   BEACON_CHECK_SEARCH_WINDOW_MINUTES   the window (default 10)
 *   BEACON_CHECK_REVEAL_HOURS            how long a reveal lets its clinician read the alert (default 12)
 *   BEACON_CHECK_SEARCH_RETENTION_HOURS  how long what was searched is kept, sealed (default 24)
 *   BEACON_INDEX_RECONCILE_SECONDS       register index reconciliation interval (default 30; 0 = off)
 *   BEACON_INDEX_LISTEN                  LISTEN for alert changes (default true)
 */
export interface PointOfCareSettings {
  searchLimit: number;
  searchWindowMinutes: number;
  revealHours: number;
  searchRetentionHours: number;
  reconcileSeconds: number;
  listen: boolean;
}

const positive = (what: string) =>
  z.coerce
    .number({ message: `must be a whole number (${what})` })
    .int(`must be a whole number (${what})`)
    .positive(`must be more than 0 (${what})`);

const schema = z.object({
  BEACON_CHECK_SEARCH_LIMIT: positive('searches').default(30),
  BEACON_CHECK_SEARCH_WINDOW_MINUTES: positive('minutes').default(10),
  BEACON_CHECK_REVEAL_HOURS: positive('hours').default(12),
  BEACON_CHECK_SEARCH_RETENTION_HOURS: positive('hours').default(24),
  BEACON_INDEX_RECONCILE_SECONDS: z.coerce
    .number({ message: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 or more')
    .default(30),
  BEACON_INDEX_LISTEN: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(true),
});

export const DEFAULT_POINT_OF_CARE_SETTINGS: PointOfCareSettings = {
  searchLimit: 30,
  searchWindowMinutes: 10,
  revealHours: 12,
  searchRetentionHours: 24,
  reconcileSeconds: 30,
  listen: true,
};

export function pointOfCareSettings(env: NodeJS.ProcessEnv = process.env): PointOfCareSettings {
  const raw = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in schema.shape && v !== undefined && v !== ''));
  const r = schema.safeParse(raw);
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const e = r.data;
  return {
    searchLimit: e.BEACON_CHECK_SEARCH_LIMIT,
    searchWindowMinutes: e.BEACON_CHECK_SEARCH_WINDOW_MINUTES,
    revealHours: e.BEACON_CHECK_REVEAL_HOURS,
    searchRetentionHours: e.BEACON_CHECK_SEARCH_RETENTION_HOURS,
    reconcileSeconds: e.BEACON_INDEX_RECONCILE_SECONDS,
    listen: e.BEACON_INDEX_LISTEN,
  };
}
