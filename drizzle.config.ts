import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the schema files (`npm run db:generate`) and applied by Beacon's own
// runner at start (src/platform/db/migrate.ts), under an advisory lock.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/**/schema.ts',
  out: './migrations',
});
