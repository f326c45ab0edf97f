/**
 * Reminders of overdue milestones and overdue birth plan distributions, by email to the professionals
 * named on the case and the lead organisation's safeguarding team. One email job per milestone and
 * due date (per distribution), keyed so an hourly run never sends the same reminder twice. Emails carry
 * the case reference, what is overdue and a link: never the woman's name or anything that identifies her.
 */
import { and, asc, desc, eq, inArray, isNull, lt } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { Mailer } from '../../platform/notify/mailer';
import { enqueue } from '../../platform/jobs/queue';
import { formatDue } from './format';
import { safeguardingContactMailboxes } from '../../directory/mailboxes';
import { birthPlanDistributions, birthPlanVersions, caseProfessionals, cases } from '../schema';
import { MilestoneComputer, refreshNextDue } from './service';
import { RECIPIENT_KIND_PHRASES, type RecipientKind } from '../birth-plan/model';

export const MILESTONE_REMINDER_JOB = 'cases.milestones.remind';
export const MILESTONE_OVERDUE_EMAIL_JOB = 'cases.milestones.overdue_email';
export const DISTRIBUTION_OVERDUE_EMAIL_JOB = 'cases.birth_plan.overdue_email';

/** The professionals told about overdue steps: the people who do them. */
const REMINDED_ROLES = ['safeguarding_midwife', 'midwife', 'social_worker'] as const;

/**
 * Queue a reminder for each overdue milestone on an open case and each overdue, unsent distribution
 * of a case's current birth plan. Returns how many new reminders were queued.
 */
export async function remindOverdueMilestones(db: Db, now = new Date()): Promise<{ milestones: number; distributions: number }> {
  const open = await db.select().from(cases).where(eq(cases.status, 'open')).orderBy(asc(cases.openedAt));
  const statuses = await new MilestoneComputer(db).statuses(open, now);
  // Keep each case's next due time true (what other changes moved, like a new due date), for the menu's count.
  await refreshNextDue(db, undefined, now, statuses);
  let milestones = 0;
  for (const kase of open) {
    for (const s of statuses.get(kase.id) ?? []) {
      if (s.state !== 'overdue' || !s.dueAt) continue;
      const dueIso = s.dueAt.toISOString();
      const id = await enqueue(
        db,
        MILESTONE_OVERDUE_EMAIL_JOB,
        { caseId: kase.id, key: s.key, dueAt: dueIso },
        { idempotencyKey: `milestone-overdue:${kase.id}:${s.key}:${dueIso}` },
      );
      if (id !== null) milestones++;
    }
  }

  let distributions = 0;
  const overdue = await db
    .select({ id: birthPlanDistributions.id, caseId: birthPlanDistributions.caseId, version: birthPlanDistributions.version })
    .from(birthPlanDistributions)
    .innerJoin(cases, eq(cases.id, birthPlanDistributions.caseId))
    .where(and(eq(cases.status, 'open'), isNull(birthPlanDistributions.sentAt), lt(birthPlanDistributions.dueAt, now)));
  const latest = await latestVersions(
    db,
    overdue.map((d) => d.caseId),
  );
  for (const d of overdue) {
    // A plan replaced by a newer version is sent as the newer one: chasing the old one would send the wrong plan.
    if (latest.get(d.caseId) !== d.version) continue;
    const id = await enqueue(db, DISTRIBUTION_OVERDUE_EMAIL_JOB, { distributionId: d.id }, { idempotencyKey: `bp-overdue:${d.id}` });
    if (id !== null) distributions++;
  }
  return { milestones, distributions };
}

async function latestVersions(db: Db, caseIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!caseIds.length) return out;
  const list = await db
    .select({ caseId: birthPlanVersions.caseId, version: birthPlanVersions.version })
    .from(birthPlanVersions)
    .where(inArray(birthPlanVersions.caseId, [...new Set(caseIds)]))
    .orderBy(desc(birthPlanVersions.version));
  for (const v of list) if (!out.has(v.caseId)) out.set(v.caseId, v.version);
  return out;
}

/** Who is told about a case's overdue steps: its current named professionals with an email, and the lead organisation's safeguarding team. */
export async function reminderRecipients(db: Db, caseId: string, leadOrganisationId: string): Promise<string[]> {
  const named = await db
    .select({ email: caseProfessionals.email })
    .from(caseProfessionals)
    .where(and(eq(caseProfessionals.caseId, caseId), inArray(caseProfessionals.role, [...REMINDED_ROLES]), isNull(caseProfessionals.endedAt)));
  const all = [...named.map((n) => n.email), ...(await safeguardingContactMailboxes(db, leadOrganisationId))]
    .filter((e): e is string => !!e)
    .map((e) => e.trim());
  const seen = new Set<string>();
  return all.filter((e) => {
    const k = e.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const FOOTER = ['', 'This email contains no personal information. Do not reply to it.'];

/** Send one overdue-milestone reminder, if the milestone is still overdue with the same due time. */
export async function emailOverdueMilestone(
  db: Db,
  mailer: Mailer,
  publicUrl: string,
  payload: { caseId: string; key: string; dueAt: string },
  now = new Date(),
): Promise<number> {
  const [kase] = await db.select().from(cases).where(eq(cases.id, payload.caseId));
  if (!kase || kase.status !== 'open') return 0;
  const statuses = (await new MilestoneComputer(db).statuses([kase], now)).get(kase.id) ?? [];
  const s = statuses.find((x) => x.key === payload.key);
  // Done, marked not needed, or moved (a new due date has its own reminder) since it was queued.
  if (!s || s.state !== 'overdue' || s.dueAt?.toISOString() !== payload.dueAt) return 0;
  const to = await reminderRecipients(db, kase.id, kase.leadOrganisationId);
  const due = formatDue(s.dueAt);
  for (const address of to) {
    await mailer.send({
      to: address,
      subject: `[Beacon] Case ${kase.reference}: ${s.label} is overdue`,
      text: [
        `On case ${kase.reference}, this protocol milestone is overdue: ${s.label}.`,
        `It was due by ${due}${s.overdueDays ? ` (${s.overdueDays} ${s.overdueDays === 1 ? 'day' : 'days'} ago)` : ''}.`,
        'Record it as done when it has happened, or as not applicable with the reason.',
        '',
        `Sign in to Beacon to see the case's milestones: ${publicUrl}/cases/${kase.id}/milestones`,
        ...FOOTER,
      ].join('\n'),
      messageId: `<milestone-overdue-${kase.id}-${payload.key}-${Date.parse(payload.dueAt)}-${address.toLowerCase()}@beacon>`,
    });
  }
  return to.length;
}

/** Send one overdue-distribution reminder, if the plan has still not been recorded as sent. */
export async function emailOverdueDistribution(db: Db, mailer: Mailer, publicUrl: string, payload: { distributionId: string }): Promise<number> {
  const [row] = await db
    .select({ d: birthPlanDistributions, reference: cases.reference, status: cases.status, leadOrganisationId: cases.leadOrganisationId })
    .from(birthPlanDistributions)
    .innerJoin(cases, eq(cases.id, birthPlanDistributions.caseId))
    .where(eq(birthPlanDistributions.id, payload.distributionId));
  if (!row || row.status !== 'open' || row.d.sentAt) return 0;
  const latest = (await latestVersions(db, [row.d.caseId])).get(row.d.caseId);
  if (latest !== row.d.version) return 0;
  const to = await reminderRecipients(db, row.d.caseId, row.leadOrganisationId);
  // The recipient's kind only: a parent's name is personal data.
  const whom = RECIPIENT_KIND_PHRASES[row.d.recipient as RecipientKind] ?? 'named person';
  for (const address of to) {
    await mailer.send({
      to: address,
      subject: `[Beacon] Case ${row.reference}: birth plan not yet sent to the ${whom}`,
      text: [
        `On case ${row.reference}, version ${row.d.version} of the birth plan has not been recorded as sent to the ${whom}.`,
        `It was due to be sent by ${formatDue(row.d.dueAt)}.`,
        'Send it, then record when and how it was sent.',
        '',
        `Sign in to Beacon to see the birth plan: ${publicUrl}/cases/${row.d.caseId}/birth-plan`,
        ...FOOTER,
      ].join('\n'),
      messageId: `<bp-overdue-${row.d.id}-${address.toLowerCase()}@beacon>`,
    });
  }
  return to.length;
}
