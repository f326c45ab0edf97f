/**
 * The README's copy-paste example (examples/api-client.mjs) run as it is, against the real service on a
 * socket: it makes a key, registers it, gets a token and checks for an alert, finding the woman it looks for.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../test/support/server';
import { activeAlert } from '../../test/support/point-of-care';

let s: TestService;
beforeAll(async () => {
  s = await startTestService();
  await activeAlert(s.service.database.db, { given: 'Rebecca', family: 'Thornbury', dob: '1997-04-12', nhs: '9876543210', postcode: 'PO4 8RT' });
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

describe('the README example of a machine client', () => {
  it('registers a key, gets a token and finds her with the check', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.resolve('examples/api-client.mjs')], {
      env: { ...process.env, BEACON_URL: s.url, BEACON_ADMIN_PASSWORD: s.password },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/Client id: [0-9a-f-]{36}/);
    expect(stdout).toMatch(/Token for 300 seconds, scope: check directory fhir role:point_of_care/);
    expect(stdout).toMatch(/Check: 200 candidates [A-Z]+-\w+ strong/);
  }, 90_000);
});
