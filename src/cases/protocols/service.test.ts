import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/db';
import { areaId, type CaseContext, caseContexts, openSeededDatabase, openTestCase } from '../../../test/support/cases';
import { auditEvents } from '../../platform/audit/schema';
import { ForbiddenError } from '../../platform/errors';
import { DEFAULT_PROTOCOL, type ProtocolDefinition } from '../protocol';
import { DEFAULT_STAGES } from '../../escalations/stages';
import { configInForce } from '../protocol-config';
import { protocolVersions } from '../schema';
import { caseMilestones, moveToCurrentProtocol } from '../milestones/service';
import { DefinitionError, protocolDetail, protocolOverview, saveProtocolVersion, validateDefinition } from './service';
import { definitionOfForm, formFieldFor, formOf } from './form';
import { describePath, describeProtocol } from './describe';

let database: TestDatabase;
const db = () => database.db;
let partnership: CaseContext;
let admin: CaseContext;
let midwife: CaseContext;

beforeAll(async () => {
  database = await openSeededDatabase();
  ({ partnership, admin, midwife } = await caseContexts(db()));
});
afterAll(async () => {
  await database?.close();
});

const HAMPSHIRE = 'E10000014';
const SOUTHAMPTON = 'E06000045';

/** The default protocol with the referral due at 12+0 instead of 16+0. */
const earlierReferral = (): ProtocolDefinition => {
  const def = structuredClone(DEFAULT_PROTOCOL);
  def.name = 'Hampshire unborn baby protocol';
  def.milestones[0]!.due = { from: 'gestation', weeks: 12, days: 0 };
  return def;
};

describe('who may configure', () => {
  it('lets Hampshire’s partnership manager edit Hampshire, not Southampton nor the national default', async () => {
    const saved = await saveProtocolVersion(db(), partnership, 'milestones', HAMPSHIRE, {
      definition: earlierReferral(),
      changeReason: 'Board agreed referral by 12 weeks',
    });
    expect(saved.version).toBe(1);
    await expect(saveProtocolVersion(db(), partnership, 'milestones', SOUTHAMPTON, { definition: earlierReferral(), changeReason: 'x' })).rejects.toThrow(
      ForbiddenError,
    );
    await expect(saveProtocolVersion(db(), partnership, 'milestones', 'national', { definition: earlierReferral(), changeReason: 'x' })).rejects.toThrow(
      ForbiddenError,
    );
    await expect(saveProtocolVersion(db(), midwife, 'milestones', SOUTHAMPTON, { definition: earlierReferral(), changeReason: 'x' })).rejects.toThrow(
      ForbiddenError,
    );
    const audit = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'protocol.configure'), eq(auditEvents.entityId, saved.id)));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.reason).toBe('Board agreed referral by 12 weeks');
    expect((await configInForce(db(), 'case_milestones', await areaId(db(), HAMPSHIRE))).id).toBe(saved.id);
    expect((await configInForce(db(), 'case_milestones', await areaId(db(), SOUTHAMPTON))).geographyId).toBeNull();
  });

  it('lets an administrator edit any area and the national default', async () => {
    const r = await saveProtocolVersion(db(), admin, 'escalation-stages', 'national', {
      definition: DEFAULT_STAGES.map((s) => (s.stage === 2 ? { ...s, due: { workingDays: 3 } } : s)),
      changeReason: 'Shorter stage 2',
    });
    expect(r.version).toBe(2);
    const d = await protocolDetail(db(), admin, 'escalation-stages', 'national');
    expect(d.history.map((h) => h.version)).toEqual([2, 1]);
    expect(d.inForce.version).toBe(2);
  });
});

describe('validation', () => {
  it('refuses an invalid definition naming each problem by its path, and saves nothing', async () => {
    const bad = earlierReferral() as unknown as { milestones: Record<string, unknown>[] };
    bad.milestones[1]!.due = { from: 'milestone', key: 'no_such_step', after: { workingDays: 10 } };
    bad.milestones[2]!.key = 'Bad Key';
    const before = await db().select().from(protocolVersions);
    const err = await saveProtocolVersion(db(), partnership, 'milestones', HAMPSHIRE, { definition: bad, changeReason: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DefinitionError);
    const e = err as DefinitionError;
    expect(e.fieldErrors['definition.milestones.1.due.key']).toBe('There is no milestone with the key “no_such_step” in this protocol');
    expect(e.fieldErrors['definition.milestones.2.key']).toMatch(/^The key must start with a lower-case letter/);
    expect(e.fieldErrors.changeReason).toMatch(/^Enter why/);
    expect(e.problems.map((p) => p.where)).toEqual(expect.arrayContaining(['Milestone 2, due, key', 'Milestone 3, key']));
    expect(await db().select().from(protocolVersions)).toHaveLength(before.length);
  });

  it('describes stage and rule paths in words', () => {
    const r = validateDefinition('escalation_stages', [
      { stage: 1, label: 'A', who: 'B', due: { hours: 48 } },
      { stage: 2, label: 'C', who: 'D', due: { hours: 0 } },
    ]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toEqual([{ path: '1.due.hours', where: 'Stage 2, due, hours', message: 'The number of hours must be 1 or more' }]);
    expect(describePath('rules.0.requires.1.kinds')).toBe('Rule 1, Requires 2, kinds');
  });
});

describe('cases keep their version until moved', () => {
  it('does not change an existing case’s milestones when a new version is saved, until the case is moved', async () => {
    const opened = new Date('2026-12-01T10:00:00Z');
    const hampshire = await areaId(db(), HAMPSHIRE);
    const kase = await openTestCase(db(), midwife, { edd: '2027-06-03', geographyId: hampshire }, opened);
    const before = await caseMilestones(db(), midwife, kase.id, opened);
    const referral = (v: typeof before) => v.milestones.find((m) => m.key === 'referral_to_social_care')!;
    // Version 1 of Hampshire's series (saved above): 12+0 is 19 November 2026.
    expect(before.protocol.geographyCode).toBe(HAMPSHIRE);
    expect(referral(before).dueAt?.toISOString()).toBe('2026-11-19T23:59:59.999Z');
    expect(before.newer).toBeNull();

    const v2 = earlierReferral();
    v2.milestones[0]!.due = { from: 'gestation', weeks: 14, days: 0 };
    await saveProtocolVersion(db(), partnership, 'milestones', HAMPSHIRE, { definition: v2, changeReason: 'Back to 14 weeks' });
    const still = await caseMilestones(db(), midwife, kase.id, opened);
    expect(still.protocol.version).toBe(1);
    expect(referral(still).dueAt?.toISOString()).toBe('2026-11-19T23:59:59.999Z');
    expect(still.newer?.version).toBe(2);

    await expect(moveToCurrentProtocol(db(), midwife, kase.id, '')).rejects.toMatchObject({ fieldErrors: { reason: expect.stringContaining('Enter why') } });
    expect(await moveToCurrentProtocol(db(), midwife, kase.id, 'Partnership changed the timeline')).toEqual({ from: 1, to: 2 });
    const moved = await caseMilestones(db(), midwife, kase.id, opened);
    expect(moved.protocol.version).toBe(2);
    expect(referral(moved).dueAt?.toISOString()).toBe('2026-12-03T23:59:59.999Z');
    expect(moved.newer).toBeNull();
    await expect(moveToCurrentProtocol(db(), midwife, kase.id, 'again')).rejects.toMatchObject({
      fieldErrors: { form: expect.stringContaining('already uses') },
    });
    const audit = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, kase.id), eq(auditEvents.action, 'case.protocol.move')));
    expect(audit[0]!.reason).toBe('Partnership changed the timeline');
  });
});

describe('reading', () => {
  it('lists what is in force nationally and by area', async () => {
    const kinds = await protocolOverview(db(), partnership);
    const milestones = kinds.find((k) => k.kind === 'case_milestones')!;
    expect(milestones.areas.map((a) => [a.code, a.version, a.canEdit])).toEqual([[HAMPSHIRE, 2, true]]);
    expect(milestones.national.canEdit).toBe(false);
    // Hampshire has no pattern rules of its own: its manager is offered to start them.
    expect(kinds.find((k) => k.kind === 'pattern_rules')!.ownWithout?.code).toBe(HAMPSHIRE);
    const southampton = await protocolDetail(db(), partnership, 'milestones', SOUTHAMPTON);
    expect(southampton.inForce.from?.code).toBe('national');
    expect(southampton.canEdit).toBe(false);
  });

  it('renders milestones in words', () => {
    const rows = describeProtocol(DEFAULT_PROTOCOL);
    expect(rows[0]).toMatchObject({ label: 'Referral to children’s social care', timing: 'by 16+0 weeks', appliesTo: 'Every case except unbooked in labour' });
    expect(rows.find((r) => r.key === 'pre_birth_assessment_started')!.timing).toBe('within 10 working days of “Referral to children’s social care”');
    expect(rows.find((r) => r.key === 'birth_plan_sent_named_midwife')!.timing).toBe('within 48 hours of “Birth plan agreed”');
  });
});

describe('the structured form', () => {
  it('round-trips the default protocol, drops removed and empty groups, and maps errors to the right group', () => {
    const form = formOf(DEFAULT_PROTOCOL);
    expect(form.rows).toHaveLength(DEFAULT_PROTOCOL.milestones.length + 3);
    expect(validateDefinition('case_milestones', definitionOfForm(form).definition)).toEqual({ ok: true, value: DEFAULT_PROTOCOL });

    form.rows[0]!.remove = true;
    const last = form.rows.length - 1;
    Object.assign(form.rows[last]!, { key: 'late_step', label: 'Late step', ruleType: 'milestone', afterKey: 'ghost', amount: '2', unit: 'days' });
    const { definition, rowOf } = definitionOfForm(form);
    const r = validateDefinition('case_milestones', definition);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const fields = r.problems.map((p) => formFieldFor(p.path, rowOf));
    // Removing the referral leaves the assessment counted from nothing (group 2), and the new group's key is unknown.
    expect(fields).toEqual(expect.arrayContaining(['m.1.afterKey', `m.${last}.afterKey`]));
  });
});
