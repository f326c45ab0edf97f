import { and, eq, inArray, isNull, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { AlertContent } from '../../alerts/model';
import { alerts, alertVersions } from '../../alerts/schema';
import { daysBetween, isIsoDate } from '../../platform/dates';
import { units } from '../../directory/schema';
import { recordAudit } from '../../platform/audit/service';
import { users } from '../../platform/auth/schema';
import type { RequestContext } from '../../platform/context';
import type { Db } from '../../platform/db/engine';
import { NotFoundError, ValidationError, zodFieldErrors } from '../../platform/errors';
import { enqueue } from '../../platform/jobs/queue';
import type { Mailer } from '../../platform/notify/mailer';
import { normaliseFamilyName, normaliseGivenName, parsePostcode } from '../matching/normalise';
import { splitFullName } from '../matching/screen';
import type { GivenDetails, RegisterIndex } from '../register-index';
import { pointOfCareReveals, pointOfCareSearches, presentations } from './schema';
import { DEFAULT_POINT_OF_CARE_SETTINGS, type PointOfCareSettings } from './settings';
import { actorOf, loadOwnReveal, PRESENTATION_EMAIL_JOB } from './service';
import { type CheckField, openQuery, POSTCODE_FULL, text } from './details';
import { safeguardingMailboxes } from './presentations';
import { publishEvents } from '../../webhooks/publish';

// ── The outcome ──────────────────────────────────────────────────────────────────────────────────────

export const OUTCOMES = ['same_person', 'not_same_person', 'not_sure'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const OUTCOME_LABELS: Record<Outcome, string> = {
  same_person: 'Yes, she is the woman in this alert',
  not_same_person: 'No, she is not the same person',
  not_sure: 'Not sure',
};

const outcomeSchema = z.object({
  outcome: z.enum(OUTCOMES, { error: 'Select whether she is the woman in this alert' }),
  location: text('Where she is', 200),
  note: text('The note', 1000),
});

/** How the details she gave differ from the alert, field by field, without quoting the alert's values. */
export function compareWithAlert(d: GivenDetails, content: AlertContent): { field: CheckField; text: string }[] {
  const subject = (content?.subject ?? {}) as Partial<AlertContent['subject']>;
  const out: { field: CheckField; text: string }[] = [];
  const norm = (s: string | null | undefined, kind: 'given' | 'family') => (kind === 'given' ? normaliseGivenName(s) : normaliseFamilyName(s)).join(' ');
  const kindText = { alias: 'an alias', previous: 'a previous name', maiden: 'her maiden name' } as const;
  const nameNote = (value: string | null | undefined, kind: 'given' | 'family', field: CheckField, label: string) => {
    const v = norm(value, kind);
    if (!v) return;
    if (v === norm(subject.name?.[kind], kind)) return;
    const other = (subject.otherNames ?? []).find((o) => v === norm(o.name?.[kind], kind));
    out.push({
      field,
      text: other ? `${label}: gave ${kindText[other.kind] ?? 'another name'} recorded on the alert` : `${label}: not one recorded on the alert`,
    });
  };
  nameNote(d.givenName, 'given', 'givenName', 'First name');
  nameNote(d.familyName, 'family', 'familyName', 'Last name');
  // Another name she gave is "recorded" when each part of it is one of the alert's names.
  const givens = new Set<string>();
  const families = new Set<string>();
  for (const n of [subject.name, ...(subject.otherNames ?? []).map((o) => o.name)]) {
    if (!n) continue;
    for (const t of normaliseGivenName(n.given)) givens.add(t);
    for (const t of normaliseFamilyName(n.family)) families.add(t);
  }
  const recorded = (full: string) => {
    const { given, family } = splitFullName(full);
    return (
      given.every((g) => normaliseGivenName(g).every((t) => givens.has(t))) &&
      family.every((f) => normaliseFamilyName(f).every((t) => families.has(t) || givens.has(t)))
    );
  };
  if ((d.otherNames ?? []).some((o) => !recorded(o))) out.push({ field: 'otherNames', text: 'Other names: gave a name not recorded on the alert' });

  const dobs = subject.datesOfBirth ?? [];
  if (d.dateOfBirth) {
    const hit = dobs.find((x) => x.value === d.dateOfBirth);
    if (hit?.knownFalse) out.push({ field: 'dateOfBirth', text: 'Date of birth: gave the date of birth known to be false' });
    else if (!hit) {
      const [y, m, dd] = d.dateOfBirth.split('-');
      const swapped = dobs.some((x) => x.value === `${y}-${dd}-${m}`);
      out.push({
        field: 'dateOfBirth',
        text: swapped ? 'Date of birth: not one recorded on the alert (day and month swapped)' : 'Date of birth: not one recorded on the alert',
      });
    }
  }
  if (d.nhsNumber && !(subject.nhsNumbers ?? []).some((n) => n.value === d.nhsNumber))
    out.push({ field: 'nhsNumber', text: 'NHS number: not one recorded on the alert' });
  if (d.postcode) {
    const given = d.postcode.replace(/\s/g, '');
    const addr = (subject.addresses ?? []).find(
      (a) => a.postcode && (a.postcode.replace(/\s/g, '') === given || (!POSTCODE_FULL.test(d.postcode!) && parsePostcode(a.postcode)?.district === given)),
    );
    if (!addr) out.push({ field: 'postcode', text: 'Postcode: not one recorded on the alert' });
    else if (addr.kind === 'previous') out.push({ field: 'postcode', text: 'Postcode: a previous address recorded on the alert' });
  }
  const edd = content?.pregnancy?.edd;
  if (d.edd && edd && isIsoDate(edd) && isIsoDate(d.edd)) {
    const days = Math.abs(daysBetween(edd, d.edd));
    if (days > 14) out.push({ field: 'edd', text: `Due date: ${Math.round(days / 7)} weeks different from the alert` });
  }
  return out;
}

/** Who is told of a presentation: originator, approver, and the originating organisation's safeguarding team mailboxes. */
async function presentationRecipients(tx: Db, alertRow: typeof alerts.$inferSelect): Promise<string[]> {
  const people = await tx
    .select({ email: users.email, active: users.active })
    .from(users)
    .where(inArray(users.id, [alertRow.originatorUserId, ...(alertRow.approverUserId ? [alertRow.approverUserId] : [])]));
  const to = new Set<string>();
  for (const p of people) if (p.active && p.email) to.add(p.email.toLowerCase());
  for (const m of await safeguardingMailboxes(tx, alertRow.originatorOrganisationId)) to.add(m.toLowerCase());
  return [...to];
}

export interface OutcomeResult {
  outcome: Outcome;
  presentationId: string | null;
  alertId: string;
}

/**
 * Record whether she is the woman in the alert. "Same person" writes the presentation, the audit
 * event and one urgent email job per recipient in one transaction, then adds the details she gave to
 * the register index (other processes learn of it from the NOTIFY the presentations trigger sends).
 */
export async function recordOutcome(
  db: Db,
  ctx: RequestContext,
  index: RegisterIndex | null,
  key: Buffer,
  revealId: string,
  input: unknown,
  settings: PointOfCareSettings = DEFAULT_POINT_OF_CARE_SETTINGS,
  now = new Date(),
): Promise<OutcomeResult> {
  const actor = actorOf(ctx);
  const { reveal: r } = await loadOwnReveal(db, ctx, revealId, settings, now);
  const parsed = outcomeSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error.issues));
  const o = parsed.data;
  const result = await db.transaction(async (tx) => {
    const [locked] = await tx.select().from(pointOfCareReveals).where(eq(pointOfCareReveals.id, r.id)).for('update');
    if (locked!.outcome === 'same_person') {
      const [p] = await tx.select({ id: presentations.id }).from(presentations).where(eq(presentations.revealId, r.id));
      return { outcome: 'same_person' as const, presentationId: p?.id ?? null, alertId: r.alertId, created: false };
    }
    const [a] = await tx.select().from(alerts).where(eq(alerts.id, r.alertId)).for('update');
    if (!a) throw new NotFoundError('Alert');
    await tx.update(pointOfCareReveals).set({ outcome: o.outcome, outcomeAt: now, outcomeNote: o.note }).where(eq(pointOfCareReveals.id, r.id));
    if (o.outcome !== 'same_person') {
      await recordAudit(tx, ctx, {
        action: 'alert.check.outcome',
        verb: 'U',
        entityType: 'Alert',
        entityId: a.id,
        detail: { reference: a.reference, revealId: r.id, outcome: o.outcome },
      });
      return { outcome: o.outcome, presentationId: null, alertId: a.id, created: false };
    }
    const [s] = await tx
      .select({ id: pointOfCareSearches.id, queryEnc: pointOfCareSearches.queryEnc })
      .from(pointOfCareSearches)
      .where(eq(pointOfCareSearches.id, r.searchId));
    const details: GivenDetails = s?.queryEnc ? openQuery(key, s.id, s.queryEnc) : {};
    const [v] = await tx
      .select({ content: alertVersions.content })
      .from(alertVersions)
      .where(and(eq(alertVersions.alertId, a.id), eq(alertVersions.version, a.version)));
    const inconsistencies = compareWithAlert(details, (v?.content ?? {}) as AlertContent);
    const [place] = actor.unitId ? await tx.select({ name: units.name }).from(units).where(eq(units.id, actor.unitId)) : [];
    const [p] = await tx
      .insert(presentations)
      .values({
        alertId: a.id,
        alertVersion: a.version,
        revealId: r.id,
        userId: actor.userId,
        userName: actor.displayName,
        userRole: actor.role,
        organisationId: actor.organisationId,
        organisationName: actor.organisationName,
        unitId: actor.unitId,
        placeName: place?.name ?? actor.organisationName,
        location: o.location,
        presentedAt: now,
        details: details as Record<string, unknown>,
        inconsistencies,
        inconsistent: inconsistencies.length > 0,
        note: o.note,
        createdAt: now,
      })
      .returning({ id: presentations.id });
    // The raising organisation's systems hear of it (ids and links only).
    await publishEvents(tx, [
      {
        type: 'presentation.recorded',
        key: `presentation:${p!.id}`,
        organisationId: a.originatorOrganisationId,
        data: {
          presentationId: p!.id,
          alertId: a.id,
          reference: a.reference,
          links: { presentation: `/api/presentations/${p!.id}`, alert: `/api/alerts/${a.id}` },
        },
      },
    ]);
    const recipients = await presentationRecipients(tx, a);
    for (const to of recipients) {
      await enqueue(tx, PRESENTATION_EMAIL_JOB, { presentationId: p!.id, to }, { idempotencyKey: `presentation-email:${p!.id}:${to}`, maxAttempts: 20 });
    }
    await recordAudit(tx, ctx, {
      action: 'alert.presentation',
      verb: 'C',
      entityType: 'Alert',
      entityId: a.id,
      detail: {
        reference: a.reference,
        version: a.version,
        presentationId: p!.id,
        revealId: r.id,
        unitId: actor.unitId,
        inconsistentFields: inconsistencies.map((i) => i.field),
        notified: recipients.length,
      },
    });
    return { outcome: 'same_person' as const, presentationId: p!.id, alertId: a.id, created: true };
  });
  if (result.created && index) await index.refresh(db, result.alertId);
  return { outcome: result.outcome, presentationId: result.presentationId, alertId: result.alertId };
}

// ── Telling the owners ───────────────────────────────────────────────────────────────────────────────

/**
 * The urgent email. It says that the subject of an alert has presented, and where to read about it in
 * Beacon; it never says who she is, where she is or what she said (mailboxes are shared and email is
 * copied to phones).
 */
export async function emailPresentation(db: Db, mailer: Mailer, publicUrl: string, payload: { presentationId: string; to: string }): Promise<void> {
  const [row] = await db
    .select({ id: presentations.id, reference: alerts.reference })
    .from(presentations)
    .innerJoin(alerts, eq(alerts.id, presentations.alertId))
    .where(eq(presentations.id, payload.presentationId));
  if (!row) throw new Error(`Presentation ${payload.presentationId} not found`);
  await mailer.send({
    to: payload.to,
    subject: `[Beacon] URGENT: the subject of alert ${row.reference} has presented`,
    text: [
      `A clinician has recorded in Beacon that the woman who is the subject of alert ${row.reference} has presented to a health service.`,
      '',
      `Sign in to Beacon now to see where and when, what she said and who to contact: ${publicUrl}/presentations/${row.id}`,
      '',
      'This email contains no personal information. Do not reply to it.',
    ].join('\n'),
    messageId: `<presentation-${row.id}-${payload.to.replace(/[^\w.-]/g, '_')}@beacon>`,
  });
}

/** What is searched is kept only for a while: after `hours`, the sealed query is removed. */
export async function purgeOldSearches(db: Db, hours: number, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - hours * 3_600_000);
  const purged = await db
    .update(pointOfCareSearches)
    .set({ queryEnc: null, purgedAt: now })
    .where(and(lt(pointOfCareSearches.createdAt, before), isNull(pointOfCareSearches.purgedAt)))
    .returning({ id: pointOfCareSearches.id });
  return purged.length;
}
