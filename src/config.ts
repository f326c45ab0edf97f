import { z } from 'zod';
import path from 'node:path';

/**
 * Configuration comes only from the environment, validated once at start. A bad value stops the
 * service with a message naming the variable; production refuses development defaults for secrets.
 */
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = (what: string) =>
  z.coerce
    .number({ message: `must be a whole number (${what})` })
    .int(`must be a whole number (${what})`)
    .positive(`must be more than 0 (${what})`);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production'], { message: 'must be development, test or production' }).default('development'),
  PORT: z.coerce
    .number({ message: 'must be a port number' })
    .int('must be a port number')
    .min(0, 'must be 0–65535')
    .max(65535, 'must be 0–65535')
    .default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  BEACON_DATA_DIR: z.string().min(1, 'must be a folder path').default('./data'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://')
    .optional(),
  /** PostgreSQL role the running service switches to (SET ROLE); it cannot change audit rows. */
  BEACON_DB_APP_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be a plain lower-case role name')
    .default('beacon_app'),
  BEACON_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  BEACON_ENCRYPTION_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters (a 256-bit key)')
    .optional(),
  BEACON_PUBLIC_URL: z.string().url('must be a full URL such as https://beacon.example.nhs.uk').optional(),
  SESSION_IDLE_MINUTES: positiveInt('minutes').default(30),
  SESSION_ABSOLUTE_HOURS: positiveInt('hours').default(12),
  COOKIE_SECURE: bool.optional(),
  LOGIN_MAX_FAILURES: positiveInt('attempts').default(5),
  LOGIN_LOCKOUT_MINUTES: positiveInt('minutes').default(15),
  SIGN_IN_RATE_LIMIT: positiveInt('requests per minute per address').default(20),
  BEACON_DEMO_DATA: bool.optional(),
  BEACON_WORKER: bool.default(true),
  OIDC_ISSUER: z.string().url('must be the issuer URL').optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_DISPLAY_NAME: z.string().min(1).default('NHS Care Identity (CIS2)'),
  OIDC_SCOPES: z.string().default('openid email profile'),
  OIDC_ALLOW_HTTP: bool.default(false),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Beacon <beacon@beacon.example>'),
  ALERT_ACK_REMINDER_HOURS: positiveInt('hours').default(4),
  ALERT_ACK_ESCALATE_HOURS: positiveInt('hours').default(24),
  ALERT_REVIEW_WEEKS_AFTER_EDD: positiveInt('weeks').default(6),
  ALERT_RETENTION_DAYS: positiveInt('days').default(2557),
  /** Who hears about possible fishing (a burst of searches, a screening over budget) and audit checkpoints. */
  BEACON_SECURITY_CONTACT: z.string().email('must be an email address').optional(),
  SCREENING_ROWS_PER_PERSON_PER_DAY: positiveInt('rows').default(2000),
  SCREENING_ROWS_PER_ORGANISATION_PER_DAY: positiveInt('rows').default(10000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  dbAppRole: string;
  sessionSecret: string;
  encryptionKey: Buffer;
  publicUrl: string;
  session: { idleMinutes: number; absoluteHours: number; cookieSecure: boolean };
  signIn: { maxFailures: number; lockoutMinutes: number; rateLimitPerMinute: number };
  demoData: boolean;
  worker: boolean;
  oidc: { issuer: string; clientId: string; clientSecret: string | undefined; displayName: string; scopes: string; allowHttp: boolean } | undefined;
  mail: { smtpUrl: string | undefined; from: string; dir: string };
  alerts: { ackReminderHours: number; ackEscalateHours: number; reviewWeeksAfterEdd: number; retentionDays: number };
  logLevel: Env['LOG_LEVEL'];
  security: { contact: string | undefined; screeningRowsPerPerson: number; screeningRowsPerOrganisation: number };
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Beacon cannot start: the configuration is not valid.\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// Development-only fallbacks. They are fixed (not random) so sessions survive a restart in development,
// and are refused in production.
const DEV_SESSION_SECRET = 'development-only-session-secret-not-for-production-use';
const DEV_ENCRYPTION_KEY = '0'.repeat(63) + '1';

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const problems: string[] = [];
  if (production) {
    if (!e.BEACON_SESSION_SECRET) problems.push('BEACON_SESSION_SECRET: must be set in production');
    if (!e.BEACON_ENCRYPTION_KEY) problems.push('BEACON_ENCRYPTION_KEY: must be set in production (photographs are encrypted at rest)');
    if (!e.BEACON_PUBLIC_URL) problems.push('BEACON_PUBLIC_URL: must be set in production');
    if (e.COOKIE_SECURE === false) problems.push('COOKIE_SECURE: cannot be false in production');
    if (e.OIDC_ALLOW_HTTP) problems.push('OIDC_ALLOW_HTTP: cannot be true in production');
  }
  const oidcParts = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID].filter(Boolean).length;
  if (oidcParts === 1) problems.push('OIDC_ISSUER and OIDC_CLIENT_ID: set both to enable single sign-on, or neither');
  if (problems.length) throw new ConfigError(problems);

  return {
    env: e.NODE_ENV,
    production,
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.BEACON_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    dbAppRole: e.BEACON_DB_APP_ROLE,
    sessionSecret: e.BEACON_SESSION_SECRET ?? DEV_SESSION_SECRET,
    encryptionKey: Buffer.from(e.BEACON_ENCRYPTION_KEY ?? DEV_ENCRYPTION_KEY, 'hex'),
    publicUrl: (e.BEACON_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    session: {
      idleMinutes: e.SESSION_IDLE_MINUTES,
      absoluteHours: e.SESSION_ABSOLUTE_HOURS,
      cookieSecure: e.COOKIE_SECURE ?? production,
    },
    signIn: { maxFailures: e.LOGIN_MAX_FAILURES, lockoutMinutes: e.LOGIN_LOCKOUT_MINUTES, rateLimitPerMinute: e.SIGN_IN_RATE_LIMIT },
    demoData: e.BEACON_DEMO_DATA ?? !production,
    worker: e.BEACON_WORKER,
    oidc:
      e.OIDC_ISSUER && e.OIDC_CLIENT_ID
        ? {
            issuer: e.OIDC_ISSUER,
            clientId: e.OIDC_CLIENT_ID,
            clientSecret: e.OIDC_CLIENT_SECRET,
            displayName: e.OIDC_DISPLAY_NAME,
            scopes: e.OIDC_SCOPES,
            allowHttp: e.OIDC_ALLOW_HTTP,
          }
        : undefined,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, dir: path.join(path.resolve(e.BEACON_DATA_DIR), 'mail') },
    alerts: {
      ackReminderHours: e.ALERT_ACK_REMINDER_HOURS,
      ackEscalateHours: e.ALERT_ACK_ESCALATE_HOURS,
      reviewWeeksAfterEdd: e.ALERT_REVIEW_WEEKS_AFTER_EDD,
      retentionDays: e.ALERT_RETENTION_DAYS,
    },
    logLevel: e.LOG_LEVEL,
    security: {
      contact: e.BEACON_SECURITY_CONTACT,
      screeningRowsPerPerson: e.SCREENING_ROWS_PER_PERSON_PER_DAY,
      screeningRowsPerOrganisation: e.SCREENING_ROWS_PER_ORGANISATION_PER_DAY,
    },
  };
}
