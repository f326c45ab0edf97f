// Every table, for drizzle's typed queries. Each domain owns its own schema file.
export * from './platform/auth/schema';
export * from './platform/audit/schema';
export * from './platform/jobs/schema';
export * from './directory/schema';
export * from './people/schema';
export * from './alerts/schema';
export * from './identity/bulk-screening/schema';
export * from './identity/point-of-care/schema';
export * from './cases/schema';
export * from './escalations/schema';
export * from './learning/schema';
export * from './library/schema';
export * from './clients/schema';
export * from './webhooks/schema';
export * from './assurance/schema';
export * from './assurance/tracker/schema';
export * from './assurance/casefile/schema';
