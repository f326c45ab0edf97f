import { ConfigError, loadConfig } from './config';
import { DataDirLockedError } from './platform/db/lock';
import { DatabaseUnavailableError } from './platform/db/engine';
import { startService } from './server';

/** `npm start`: configuration → database → migrations → demo data → HTTP + worker. */
export async function main(): Promise<void> {
  try {
    const config = loadConfig();
    await startService(config, { handleSignals: true });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof DatabaseUnavailableError) {
      console.error(err.message);
      process.exit(2);
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`Beacon cannot start: port ${process.env.PORT ?? 3000} is already in use. Stop the other program or set PORT to another number.`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('src/main.ts')) {
  void main();
}
