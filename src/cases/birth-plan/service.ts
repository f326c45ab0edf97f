/**
 * Birth plans: each agreed or amended plan is a new version (the old ones stay, with what changed and
 * why), and each version is tracked to the people it must reach, against the protocol's deadlines
 * ("to the named midwife within 48 hours, to the parents within 3 working days"). Agreeing the first
 * plan and sending it completes the protocol milestones attached to those steps.
 */
import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { NotFoundError, parseInput, ValidationError } from '../../platform/errors';
import { isUuid } from '../../directory/service';
import { formatDate, londonDate } from '../../platform/dates';
import { actorName, assertOpen, type CaseRow, loadCase, recordCaseChange, requireCase } from '../access';
import { appendCaseEvent } from '../events';
import { configVersion, loadCalendar } from '../protocol-config';
import type { MilestoneSource, ProtocolDefinition } from '../protocol';
import { type Deadline, deadlineFrom, describeDeadline } from '../../platform/working-days';
import { birthPlanDistributions, birthPlanVersions } from '../schema';
import { currentProfessional } from '../service';
import { completeFromSource, definitionOf } from '../milestones/service';
import {
  type BirthPlanContent,
  changedFields,
  RECIPIENT_KIND_LABELS,
  RECIPIENT_KIND_PHRASES,
  type RecipientKind,
  recordSentSchema,
  SEND_METHOD_LABELS,
  saveBirthPlanSchema,
} from './model';

type VersionRow = typeof birthPlanVersions.$inferSelect;
type DistributionRow = typeof birthPlanDistributions.$inferSelect;

export const FALLBACK_DEADLINES = { named_midwife: { hours: 48 }, parents: { workingDays: 3 }, other: { workingDays: 3 } } as const satisfies Record<
  string,
  Deadline
>;

/**
 * How long each recipient has, from the protocol: the milestone completed by sending the plan to the
 * named midwife (or the parents) and counted from the milestone completed by agreeing it gives the time
 * limit. A protocol without such a milestone falls back to 48 hours and 3 working days; everyone else
 * has 3 working days.
 */
export function distributionDeadlines(def: ProtocolDefinition): { named_midwife: Deadline; parents: Deadline; other: Deadline } {
  const agreedKeys = new Set(def.milestones.filter((m) => m.completedBy === 'birth_plan_agreed').map((m) => m.key));
  const find = (source: MilestoneSource): Deadline | null => {
    for (const m of def.milestones) {
      if (m.completedBy === source && m.due.from === 'milestone' && agreedKeys.has(m.due.key)) return m.due.after;
    }
    return null;
  };
  return {
    named_midwife: find('birth_plan_sent_named_midwife') ?? FALLBACK_DEADLINES.named_midwife,
    parents: find('birth_plan_sent_parents') ?? FALLBACK_DEADLINES.parents,
    other: FALLBACK_DEADLINES.other,
  };
}

const SENT_SOURCES: Partial<Record<RecipientKind, MilestoneSource>> = {
  named_midwife: 'birth_plan_sent_named_midwife',
  parents: 'birth_plan_sent_parents',
};

async function latestVersion(db: Db, caseId: string): Promise<VersionRow | null> {
  const [v] = await db.select().from(birthPlanVersions).where(eq(birthPlanVersions.caseId, caseId)).orderBy(desc(birthPlanVersions.version)).limit(1);
  return v ?? null;
}

/**
 * Save a new version of the birth plan (the first, or an amendment with its reason), and the list of
 * people it must be sent to, each with a due time from the protocol counted from when it was agreed.
 */
export async function saveBirthPlan(db: Db, ctx: RequestContext, caseId: string, raw: unknown, now = new Date()): Promise<{ version: number }> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const previous = await latestVersion(db, caseId);
  const input = parseInput(saveBirthPlanSchema(now, previous?.agreedAt ?? null), raw);
  const midwifeName = input.namedMidwifeName ?? (await currentProfessional(db, caseId, 'midwife'))?.name ?? null;
  if (!midwifeName) throw new ValidationError({ namedMidwifeName: 'Enter the named midwife’s name: no named midwife is recorded on the case' });

  const deadlines = distributionDeadlines(definitionOf(await configVersion(db, kase.protocolVersionId)));
  const calendar = await loadCalendar(db);
  const recipients: { recipient: RecipientKind; recipientName: string; deadline: Deadline }[] = [
    { recipient: 'named_midwife', recipientName: midwifeName, deadline: deadlines.named_midwife },
    { recipient: 'parents', recipientName: input.parentsName, deadline: deadlines.parents },
    ...input.additionalRecipients.map((r) => ({ recipient: r.recipient as RecipientKind, recipientName: r.name, deadline: deadlines.other })),
  ];

  return db.transaction(async (tx) => {
    // One version at a time per case: the lock makes a second save wait, then see the first.
    await loadCase(tx, caseId, true);
    const latest = await latestVersion(tx, caseId);
    if ((latest?.version ?? 0) !== (previous?.version ?? 0)) {
      throw new ValidationError({
        form: 'Someone else saved a new version of the birth plan while you were editing. Reload the page to see it, then make your change again.',
      });
    }
    const version = (latest?.version ?? 0) + 1;
    await tx.insert(birthPlanVersions).values({
      caseId,
      version,
      content: input.content,
      agreedAt: input.agreedAt,
      agreedAtMeeting: input.agreedAtMeeting,
      changeReason: input.changeReason,
      createdByUserId: ctx.actor?.userId ?? null,
      createdByName: actorName(ctx),
    });
    for (const r of recipients) {
      await tx
        .insert(birthPlanDistributions)
        .values({ caseId, version, recipient: r.recipient, recipientName: r.recipientName, dueAt: deadlineFrom(input.agreedAt, r.deadline, calendar) });
    }
    const changed = changedFields(latest ? (latest.content as BirthPlanContent) : null, input.content);
    await recordCaseChange(
      tx,
      ctx,
      caseId,
      'case.birth_plan.save',
      { version, changed, recipients: recipients.map((r) => r.recipient) },
      input.changeReason ?? undefined,
    );
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'birth_plan',
      occurredAt: input.agreedAt,
      summary:
        version === 1
          ? `Birth plan agreed${input.agreedAtMeeting ? ` at ${input.agreedAtMeeting}` : ''}`
          : `Birth plan version ${version} agreed${input.agreedAtMeeting ? ` at ${input.agreedAtMeeting}` : ''}: ${input.changeReason}${changed.length ? ` (changed: ${changed.join(', ').toLowerCase()})` : ''}`,
      detail: { version },
    });
    // Later versions amend the plan; the milestone is about the first agreement, and keeps its date.
    if (version === 1) await completeFromSource(tx, ctx, caseId, 'birth_plan_agreed', input.agreedAt);
    return { version };
  });
}

/** Record that a version was sent to one of its recipients; sending the first plan completes its milestone. */
export async function recordSent(db: Db, ctx: RequestContext, caseId: string, distributionId: string, raw: unknown, now = new Date()): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const d = await distributionOnCase(db, caseId, distributionId);
  const [v] = await db
    .select()
    .from(birthPlanVersions)
    .where(and(eq(birthPlanVersions.caseId, caseId), eq(birthPlanVersions.version, d.version)));
  if (!v) throw new NotFoundError('Birth plan version');
  if (d.sentAt) throw new ValidationError({ form: `This was already recorded as sent on ${formatDate(londonDate(d.sentAt))}.` });
  const input = parseInput(recordSentSchema(now, v.agreedAt), raw);
  await db.transaction(async (tx) => {
    const updated = await tx
      .update(birthPlanDistributions)
      .set({ sentAt: input.sentAt, method: input.method, sentByUserId: ctx.actor?.userId ?? null, sentByName: actorName(ctx) })
      .where(and(eq(birthPlanDistributions.id, d.id), eq(birthPlanDistributions.caseId, caseId), isNull(birthPlanDistributions.sentAt)))
      .returning({ id: birthPlanDistributions.id });
    // Two people recording the same sending at once: the second is told, the first stands.
    if (!updated.length) throw new ValidationError({ form: 'This was recorded as sent by someone else just now.' });
    await recordCaseChange(tx, ctx, caseId, 'case.birth_plan.sent', {
      distributionId: d.id,
      version: d.version,
      recipient: d.recipient,
      method: input.method,
      sentAt: input.sentAt.toISOString(),
    });
    const whom = RECIPIENT_KIND_PHRASES[d.recipient as RecipientKind] ?? d.recipient;
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'birth_plan',
      occurredAt: input.sentAt,
      summary: `Birth plan version ${d.version} sent to the ${whom} (${d.recipientName}) by ${SEND_METHOD_LABELS[input.method].toLowerCase()}${input.sentAt > d.dueAt ? ', after it was due' : ''}`,
      detail: { distributionId: d.id, version: d.version, recipient: d.recipient },
    });
    const source = SENT_SOURCES[d.recipient as RecipientKind];
    if (source && d.version === 1) await completeFromSource(tx, ctx, caseId, source, input.sentAt);
  });
}

// ── Reading ────────────────────────────────────────────────────────────────────────────────────────

export interface DistributionView extends DistributionRow {
  recipientLabel: string;
  methodLabel: string | null;
  state: 'sent' | 'sent_late' | 'overdue' | 'due' | 'superseded';
  current: boolean;
}

/** The birth plan of a case already loaded and authorised: current version, history with changes, distribution. */
export async function birthPlanOfCase(db: Db, kase: CaseRow, now = new Date()) {
  const versions = await db.select().from(birthPlanVersions).where(eq(birthPlanVersions.caseId, kase.id)).orderBy(asc(birthPlanVersions.version));
  const distribution = await db
    .select()
    .from(birthPlanDistributions)
    .where(eq(birthPlanDistributions.caseId, kase.id))
    .orderBy(desc(birthPlanDistributions.version), asc(birthPlanDistributions.createdAt), asc(birthPlanDistributions.recipient));
  const latest = versions.at(-1) ?? null;
  const history = versions.map((v, i) => ({
    ...v,
    content: v.content as BirthPlanContent,
    changed: changedFields(i > 0 ? (versions[i - 1]!.content as BirthPlanContent) : null, v.content as BirthPlanContent),
  }));
  const deadlines = distributionDeadlines(definitionOf(await configVersion(db, kase.protocolVersionId)));
  return {
    current: history.at(-1) ?? null,
    history: [...history].reverse(),
    distribution: distribution.map((d): DistributionView => {
      const current = d.version === latest?.version;
      const state = d.sentAt ? (d.sentAt > d.dueAt ? 'sent_late' : 'sent') : !current ? 'superseded' : d.dueAt < now ? 'overdue' : 'due';
      return {
        ...d,
        recipientLabel: RECIPIENT_KIND_LABELS[d.recipient as RecipientKind] ?? d.recipient,
        methodLabel: d.method ? (SEND_METHOD_LABELS[d.method as keyof typeof SEND_METHOD_LABELS] ?? d.method) : null,
        state,
        current,
      };
    }),
    deadlines: {
      namedMidwife: describeDeadline(deadlines.named_midwife),
      parents: describeDeadline(deadlines.parents),
      other: describeDeadline(deadlines.other),
    },
  };
}

/** The birth plan, for someone who may see the case (the read is audited). */
export async function getBirthPlan(db: Db, ctx: RequestContext, caseId: string, now = new Date()) {
  const kase = await requireCase(db, ctx, caseId, 'case.view', { auditRead: 'case.birth_plan.view' });
  return { kase, ...(await birthPlanOfCase(db, kase, now)) };
}

/** A distribution row of THIS case (an id from another case is not found, whoever asks). */
async function distributionOnCase(db: Db, caseId: string, distributionId: string) {
  if (!isUuid(distributionId)) throw new NotFoundError('Distribution');
  const [d] = await db
    .select()
    .from(birthPlanDistributions)
    .where(and(eq(birthPlanDistributions.id, distributionId), eq(birthPlanDistributions.caseId, caseId)));
  if (!d) throw new NotFoundError('Distribution');
  return d;
}

export async function getDistribution(db: Db, caseId: string, distributionId: string) {
  const d = await distributionOnCase(db, caseId, distributionId);
  return { ...d, recipientLabel: RECIPIENT_KIND_LABELS[d.recipient as RecipientKind] ?? d.recipient };
}
