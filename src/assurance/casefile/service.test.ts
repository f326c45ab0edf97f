/**
 * Multi-agency case-file audits on both engines: a versioned template, a round over a reproducible sample of
 * Southampton's cases (the same seed draws the same cases), each agency completing only its own sections, a
 * second auditor moderating (differences need the agreed grade and a reason; nobody moderates their own),
 * progress by agency and the grade distribution, the discussion, findings as themes across rounds, closing,
 * and the same scope for lists and reads.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSeededDatabase, openTestCase } from '../../../test/support/cases';
import type { TestDatabase } from '../../../test/support/db';
import { contextFor } from '../../../test/support/alerts';
import { createDemoPeople } from '../../demo/seed';
import { geographies, organisations } from '../../directory/schema';
import { addAgency } from '../../cases/service';
import { ConflictError, ForbiddenError, ValidationError } from '../../platform/errors';
import type { RequestContext } from '../../platform/context';
import { caseFileSections } from './schema';
import { addFinding, closeRound, findingPrefill, getRound, listRounds, recordDiscussion, startRound, themesAcrossRounds } from './service';
import { createTemplate, newTemplateVersion, publishTemplate, updateTemplate } from './templates';
import { completeSection, getSection, moderateSection, mySections } from './sections';

let tdb: TestDatabase;
const db = () => tdb.db;
let southampton: string;
let hampshire: string;
let rhm: string;
let council: string;
let pm: RequestContext;
let midwife: RequestContext;
let designated: RequestContext;
let designatedRhm: RequestContext;
let trustLead: RequestContext;
let councilLead: RequestContext;
let hampshirePm: RequestContext;
let templateId: string;

const QUESTIONS = [
  { text: 'Was the concealment recognised and acted on early?', type: 'grade' },
  { text: 'Was a discharge planning meeting held before discharge?', type: 'yes_no' },
  { text: 'Was information shared between agencies in time?', type: 'grade' },
  { text: 'What would have made the most difference?', type: 'text' },
];

beforeAll(async () => {
  tdb = await openSeededDatabase();
  const geo = async (code: string) => (await db().select({ id: geographies.id }).from(geographies).where(eq(geographies.code, code)))[0]!.id;
  const org = async (ods: string) => (await db().select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, ods)))[0]!.id;
  southampton = await geo('E06000045');
  hampshire = await geo('E10000014');
  rhm = await org('RHM');
  council = await org('852');
  await createDemoPeople(
    db(),
    [
      { email: 'pm.soton@beacon.example', displayName: 'Grace Whitfield', jobTitle: '', role: 'partnership_manager', odsCode: '852' },
      { email: 'named.rhm@beacon.example', displayName: 'Nia Named', jobTitle: 'Named midwife', role: 'designated_professional', odsCode: 'RHM' },
      { email: 'lead.rhm@beacon.example', displayName: 'Rhian Lead', jobTitle: 'Head of safeguarding', role: 'agency_lead', odsCode: 'RHM' },
      {
        email: 'lead.council@beacon.example',
        displayName: 'Colin Lead',
        jobTitle: 'Safeguarding lead, children’s services',
        role: 'agency_lead',
        odsCode: '852',
      },
    ],
    'correct horse battery staple 42',
  );
  pm = await contextFor(db(), 'pm.soton@beacon.example');
  midwife = await contextFor(db(), 'midwife@beacon.example');
  trustLead = await contextFor(db(), 'lead.rhm@beacon.example');
  councilLead = await contextFor(db(), 'lead.council@beacon.example');
  designated = await contextFor(db(), 'designated@beacon.example');
  designatedRhm = await contextFor(db(), 'named.rhm@beacon.example');
  hampshirePm = await contextFor(db(), 'partnership@beacon.example');
  // Six Southampton cases opened by the trust; the council works on every other one.
  const names = ['Amber', 'Bea', 'Cara', 'Dana', 'Erin', 'Fay'];
  for (const [i, given] of names.entries()) {
    const c = await openTestCase(db(), midwife, { givenName: given, familyName: 'Testcase', classification: i % 2 ? 'concealed' : 'unborn_baby_protocol' });
    if (i % 2 === 0) await addAgency(db(), midwife, c.id, council, 'Pre-birth assessment');
  }
}, 120_000);
afterAll(async () => tdb?.close());

describe('templates, versioned', () => {
  it('are written, published, and changed by a new version', async () => {
    await expect(createTemplate(db(), pm, { partnershipId: southampton, title: '', questions: [] })).rejects.toMatchObject({
      fieldErrors: { title: expect.stringContaining('Enter the template’s title'), questions: 'Add at least one question' },
    });
    await expect(createTemplate(db(), midwife, { partnershipId: southampton, title: 'T', questions: QUESTIONS })).rejects.toBeInstanceOf(ForbiddenError);
    const t = await createTemplate(db(), pm, { partnershipId: southampton, title: 'Concealed pregnancy case-file audit', questions: QUESTIONS.slice(0, 3) });
    await updateTemplate(db(), pm, t.id, { title: 'Concealed pregnancy case-file audit', questions: QUESTIONS });
    await publishTemplate(db(), pm, t.id);
    await expect(updateTemplate(db(), pm, t.id, { title: 'X', questions: QUESTIONS })).rejects.toBeInstanceOf(ConflictError);
    const v2 = await newTemplateVersion(db(), pm, t.id);
    expect(await newTemplateVersion(db(), pm, t.id)).toEqual(v2);
    await publishTemplate(db(), pm, v2.id);
    templateId = v2.id;
    await expect(startRound(db(), pm, { partnershipId: southampton, title: 'R', theme: 'T', templateId: t.id, sampleSize: 2 })).rejects.toMatchObject({
      fieldErrors: { templateId: 'Choose a published template of this partnership' },
    });
  });
});

describe('a round', () => {
  let roundId: string;
  it('samples reproducibly from the cases that meet its criteria, a section per agency per case', async () => {
    const before = (await db().select({ n: count() }).from(caseFileSections))[0]!.n;
    await expect(
      startRound(db(), pm, { partnershipId: southampton, title: 'R', theme: 'T', templateId, sampleSize: 3, openedFrom: '2099-01-01' }),
    ).rejects.toMatchObject({ fieldErrors: { form: 'No case of this partnership meets these criteria: widen them' } });
    await expect(startRound(db(), pm, { partnershipId: southampton, title: 'R', theme: 'T', templateId, sampleSize: 51 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect((await db().select({ n: count() }).from(caseFileSections))[0]!.n).toBe(before);
    const a = await startRound(db(), pm, {
      partnershipId: southampton,
      title: 'Concealed pregnancy, spring',
      theme: 'Concealed pregnancy',
      templateId,
      sampleSize: 3,
      seed: 4242,
    });
    const b = await startRound(db(), pm, { partnershipId: southampton, title: 'Again', theme: 'Concealed pregnancy', templateId, sampleSize: 3, seed: '4242' });
    const refs = async (id: string) => [...new Set((await getRound(db(), pm, id)).sections.map((s) => s.caseReference))];
    expect(a.sampled).toBe(3);
    expect(a.candidates).toBeGreaterThanOrEqual(6);
    expect(await refs(a.id)).toEqual(await refs(b.id));
    const view = await getRound(db(), pm, a.id);
    expect(view.round.seed).toBe(4242);
    // The trust works on every case; the council on some: a section for each agency on each case.
    for (const s of view.sections) expect([rhm, council]).toContain(s.organisationId);
    expect(view.sections.filter((s) => s.organisationId === rhm)).toHaveLength(3);
    // A kind of case chosen: only those.
    const concealed = await startRound(db(), pm, {
      partnershipId: southampton,
      title: 'C',
      theme: 'C',
      templateId,
      sampleSize: 50,
      classifications: ['concealed'],
    });
    expect(concealed.candidates).toBe(concealed.sampled);
    roundId = a.id;
  });

  it('lets each agency complete only its own sections, with every question answered', async () => {
    const view = await getRound(db(), pm, roundId);
    const trust = view.sections.find((s) => s.organisationId === rhm)!;
    expect((await mySections(db(), trustLead)).map((s) => s.id)).toContain(trust.id);
    // Another agency's lead, and the trust's front-line midwife, may not complete the trust's section.
    await expect(completeSection(db(), councilLead, trust.id, { 'a.q1': 'good' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(completeSection(db(), midwife, trust.id, { 'a.q1': 'good' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(completeSection(db(), trustLead, trust.id, { 'a.q1': 'brilliant', 'a.q2': 'yes' })).rejects.toMatchObject({
      fieldErrors: {
        'a.q1': expect.stringContaining('Choose a grade'),
        'a.q3': expect.stringContaining('Choose a grade'),
        'a.q4': expect.stringContaining('Answer'),
      },
    });
    expect((await getSection(db(), trustLead, trust.id)).section.completedAt).toBeNull();
    await completeSection(db(), trustLead, trust.id, { 'a.q1': 'good', 'a.q2': 'no', 'a.q3': 'inadequate', 'a.q4': 'A discharge planning meeting' });
    const s = await getSection(db(), designated, trust.id);
    expect(s.section.answers).toEqual({ q1: 'good', q2: 'no', q3: 'inadequate', q4: 'A discharge planning meeting' });
    expect(s.may).toEqual({ complete: false, moderate: true });
  });

  it('is moderated by a second auditor: differences need the agreed grade and a reason', async () => {
    const view = await getRound(db(), pm, roundId);
    const trust = view.sections.filter((s) => s.organisationId === rhm);
    // The trust's named midwife completes a section and may not moderate it herself.
    await completeSection(db(), designatedRhm, trust[1]!.id, { 'a.q1': 'good', 'a.q2': 'yes', 'a.q3': 'good', 'a.q4': 'Nothing' });
    expect((await getSection(db(), designatedRhm, trust[1]!.id)).may.moderate).toBe(false);
    await expect(moderateSection(db(), designatedRhm, trust[1]!.id, { 'm.q1': 'good', 'm.q3': 'good' })).rejects.toMatchObject({
      fieldErrors: { form: expect.stringContaining('A second auditor moderates') },
    });
    await expect(moderateSection(db(), midwife, trust[0]!.id, {})).rejects.toBeInstanceOf(ForbiddenError);
    await expect(moderateSection(db(), designated, trust[2]!.id, { 'm.q1': 'good', 'm.q3': 'good' })).rejects.toMatchObject({
      fieldErrors: { form: 'The agency has not completed this section yet' },
    });
    await expect(moderateSection(db(), designated, trust[0]!.id, { 'm.q1': 'good', 'm.q3': 'requires_improvement' })).rejects.toMatchObject({
      fieldErrors: { 'agreed.q3': expect.stringContaining('choose the grade you agreed'), 'reason.q3': expect.stringContaining('say why') },
    });
    const r = await moderateSection(db(), designated, trust[0]!.id, {
      'm.q1': 'good',
      'm.q3': 'requires_improvement',
      'agreed.q3': 'requires_improvement',
      'reason.q3': 'Information was shared, but a day late',
    });
    expect(r.differences).toBe(1);
    await expect(completeSection(db(), trustLead, trust[0]!.id, { 'a.q1': 'good' })).rejects.toBeInstanceOf(ConflictError);
    const after = await getRound(db(), pm, roundId);
    expect(after.distribution).toEqual([
      { grade: 'outstanding', count: 0 },
      { grade: 'good', count: 3 },
      { grade: 'requires_improvement', count: 1 },
      { grade: 'inadequate', count: 0 },
    ]);
    const trustProgress = after.progress.find((p) => p.organisationId === rhm)!;
    expect(trustProgress).toMatchObject({ total: 3, completed: 2, moderated: 1, organisationName: 'University Hospital Southampton NHS Foundation Trust' });
    expect(after.sections.find((s) => s.id === trust[0]!.id)!.differences).toBe(1);
  });

  it('records the discussion and findings, closes only when every section is done, and themes show across rounds', async () => {
    await expect(closeRound(db(), pm, roundId)).rejects.toMatchObject({ fieldErrors: { form: expect.stringContaining('completed and moderated') } });
    await recordDiscussion(db(), pm, roundId, { discussion: 'Agencies agreed the learning below.', discussionOn: '2026-06-01' });
    const f = await addFinding(db(), pm, roundId, {
      theme: 'Information sharing at discharge',
      learning: 'Hold the discharge planning meeting before the decision.',
    });
    const other = (await listRounds(db(), pm)).find((r) => r.id !== roundId)!;
    await addFinding(db(), pm, other.id, { theme: ' information sharing at discharge ', learning: 'Again.' });
    const themes = await themesAcrossRounds(db(), pm);
    expect(themes[0]).toMatchObject({ theme: 'Information sharing at discharge', findings: 2 });
    expect(themes[0]!.rounds).toHaveLength(2);
    const prefill = await findingPrefill(db(), pm, f.id);
    expect(prefill).toMatchObject({ geographyId: southampton, title: 'Learning: Information sharing at discharge' });
    // Complete and moderate the rest, then close.
    const view = await getRound(db(), pm, roundId);
    for (const s of view.sections.filter((x) => !x.completedAt)) {
      const who = s.organisationId === rhm ? trustLead : councilLead;
      await completeSection(db(), who, s.id, { 'a.q1': 'outstanding', 'a.q2': 'not_applicable', 'a.q3': 'good', 'a.q4': 'n/a' });
    }
    for (const s of (await getRound(db(), pm, roundId)).sections.filter((x) => !x.moderatedAt)) {
      const completer = (await getSection(db(), pm, s.id)).section.completedByUserId;
      await moderateSection(db(), completer === designated.actor!.userId ? pm : designated, s.id, {
        'm.q1': (s.answers as Record<string, string>).q1,
        'm.q3': (s.answers as Record<string, string>).q3,
      });
    }
    await closeRound(db(), pm, roundId);
    expect((await getRound(db(), pm, roundId)).round.status).toBe('closed');
    expect((await getRound(db(), pm, roundId)).complete).toBe(true);
  });

  it('is read by its own partnership (and auditors) only: list and single read agree', async () => {
    const auditor = await contextFor(db(), 'auditor@beacon.example');
    expect((await listRounds(db(), hampshirePm)).some((r) => r.id === roundId)).toBe(false);
    await expect(getRound(db(), hampshirePm, roundId)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await listRounds(db(), auditor)).some((r) => r.id === roundId)).toBe(true);
    await expect(startRound(db(), hampshirePm, { partnershipId: southampton, title: 'R', theme: 'T', templateId, sampleSize: 2 })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(createTemplate(db(), hampshirePm, { partnershipId: hampshire, title: 'Hampshire', questions: QUESTIONS })).resolves.toHaveProperty('id');
  });
});
