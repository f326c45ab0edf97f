import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, checkAccessibility, clickAndWait, screenshot, signIn } from '../support/browser';
import { BrowserSession, pathOf, textOf } from '../support/browser-session';

/**
 * Interoperability in a real browser: the administrator registers an API client by pasting its public key
 * set (a mistake first, then right), sees its id and token address, and suspends it; a unit coordinator
 * subscribes her organisation's endpoint to events, sees the signing secret once, sends a test event and
 * rotates the secret. axe on every page; screenshots for people to look at.
 */
describe.skipIf(!browserAvailable)('API clients and webhooks in a real browser', () => {
  const b = new BrowserSession();
  beforeAll(async () => {
    await b.start();
  }, 120_000);
  afterAll(async () => b.stop());
  afterEach(async (ctx) => b.screenshotOnFailure(ctx, 'interoperability'));
  const url = (p = '') => b.url(p);

  it('an administrator registers an API client with its public key, then suspends it', async () => {
    const { publicKey } = await generateKeyPair('RS512', { extractable: true });
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'ed-2026', alg: 'RS512' }] });
    const admin = await b.newPage();
    await signIn(admin, url(), 'admin@beacon.example', b.svc!.password);
    await admin.goto(url('/users'));
    await clickAndWait(admin, admin.getByRole('link', { name: 'API clients' }));
    await checkAccessibility(admin, 'API clients');
    await clickAndWait(admin, admin.getByRole('link', { name: 'Register an API client' }));
    await admin.fill('#name', 'Badger ED record');
    await admin.selectOption('#organisationId', { label: 'Portsmouth Hospitals University NHS Trust (RHU)' });
    await admin.check('input[name=roles][value=point_of_care]');
    await admin.check('input[name=scopes][value=check]');
    await admin.check('input[name=scopes][value=fhir]');
    // A private key pasted by mistake is refused, and the form keeps what was typed.
    await admin.fill('#jwks', JSON.stringify({ keys: [{ kty: 'RSA', kid: 'x', n: 'AQAB', e: 'AQAB', d: 'secret' }] }));
    await clickAndWait(admin, admin.getByRole('button', { name: 'Register client' }));
    expect(await textOf(admin, '.nhsuk-error-summary')).toContain('private key');
    expect(await admin.inputValue('#name')).toBe('Badger ED record');
    expect(await admin.isChecked('input[name=scopes][value=fhir]')).toBe(true);
    await checkAccessibility(admin, 'register an API client, with errors');
    await admin.fill('#jwks', jwks);
    await clickAndWait(admin, admin.getByRole('button', { name: 'Register client' }));
    expect(pathOf(admin)).toMatch(/^\/api-clients\/[0-9a-f-]{36}$/);
    expect(await textOf(admin, '.nhsuk-notification-banner')).toContain('API client registered');
    const page = await textOf(admin, '.nhsuk-summary-list');
    expect(page).toContain(pathOf(admin).split('/')[2]);
    expect(page).toContain('/oauth2/token');
    expect(page).toContain('ed-2026');
    await checkAccessibility(admin, 'an API client');
    await screenshot(admin, 'interoperability-api-client');
    await admin.fill('#reason', 'Supplier contract ended');
    await clickAndWait(admin, admin.getByRole('button', { name: 'Suspend client' }));
    expect(await textOf(admin, '.nhsuk-notification-banner')).toContain('suspended');
    expect(await textOf(admin, '.nhsuk-summary-list')).toContain('Suspended: Supplier contract ended');
    b.noProblems(admin);
  });

  it('a unit coordinator subscribes an endpoint, sees the secret once, tests it and rotates the secret', async () => {
    const coordinator = await b.newPage();
    await signIn(coordinator, url(), 'coordinator.pah@beacon.example', b.svc!.password);
    await coordinator.goto(url('/webhooks'));
    await checkAccessibility(coordinator, 'webhooks');
    await clickAndWait(coordinator, coordinator.getByRole('link', { name: 'Subscribe an endpoint' }));
    await clickAndWait(coordinator, coordinator.getByRole('button', { name: 'Subscribe' }));
    const errors = await textOf(coordinator, '.nhsuk-error-summary');
    expect(errors).toContain('Select at least one event');
    expect(errors).toContain('Enter the address of the endpoint');
    await checkAccessibility(coordinator, 'subscribe an endpoint, with errors');
    await coordinator.fill('#url', 'http://127.0.0.1:9/beacon-events');
    await coordinator.check('input[name=events][value="alert.delivered"]');
    await coordinator.check('input[name=events][value="delivery.unacknowledged"]');
    await coordinator.fill('#contactEmail', 'maternity.systems@uhs.example.nhs.uk');
    await clickAndWait(coordinator, coordinator.getByRole('button', { name: 'Subscribe' }));
    const secret = await textOf(coordinator, '#signing-secret');
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    await checkAccessibility(coordinator, 'a new subscription with its secret');
    const id = (await coordinator.locator('form[action$="/test"]').getAttribute('action'))!.split('/')[2]!;
    // Reloading shows no secret: it was shown once.
    await coordinator.goto(url(`/webhooks/${id}`));
    expect(await coordinator.locator('#signing-secret').count()).toBe(0);
    await clickAndWait(coordinator, coordinator.getByRole('button', { name: 'Send a test event' }));
    expect(await textOf(coordinator, '.nhsuk-notification-banner')).toContain('Test event queued');
    await clickAndWait(coordinator, coordinator.getByRole('button', { name: 'Rotate the secret' }));
    const rotated = await textOf(coordinator, '#signing-secret');
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    expect(await textOf(coordinator, 'main')).toContain('old secret too until');
    await checkAccessibility(coordinator, 'a subscription after rotating its secret');
    await screenshot(coordinator, 'interoperability-webhook');
    b.noProblems(coordinator);
  });
});
