import { defineConfig } from 'vitest/config';

// One config, two kinds of test. Database tests open their own engine (PGlite by default,
// PostgreSQL when TEST_DATABASE_URL is set), so files run in separate processes (forks).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
