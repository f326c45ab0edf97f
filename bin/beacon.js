#!/usr/bin/env node
// The `beacon` command. Beacon runs its TypeScript through tsx (no build step to forget).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
