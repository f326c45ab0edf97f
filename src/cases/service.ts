/**
 * Cases: open one, see it, and keep its core record (who is working on it, the due date, the birth,
 * linked alerts, demographic facts). The parts with their own rules — milestones, the labour checklist,
 * the birth plan, discharge, chronology — have their own services, which load the case through
 * ./access and write their events through ./events in the same transaction as their change.
 */
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, can } from '../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../platform/audit/service';
import { ForbiddenError, NotFoundError, parseInput, ValidationError } from '../platform/errors';
import { isUuid } from '../directory/service';
import { geographies, organisations } from '../directory/schema';
import { z } from 'zod';
import { alerts } from '../alerts/schema';
import { enqueue } from '../platform/jobs/queue';
import type { Mailer } from '../platform/notify/mailer';
import { safeguardingContactMailboxes } from '../directory/mailboxes';
import { requiredText } from './text-fields';
import { alertForLinking, recordAlertLinked } from '../alerts/access';
import { linkedAlertsFor, viewableLinkedAlerts } from './linked-alerts';
import { presentations } from '../identity/point-of-care/schema';
import { londonDate } from '../platform/dates';
import { caseAlerts, caseFacts, caseOrganisations, caseProfessionals, cases } from './schema';
import { actorName, assertOpen, caseOrganisationIds, type CaseRow, caseScope, newReference, recordCaseChange, requireCase } from './access';
import { appendCaseEvent, openPrompts } from './events';
import { configInForce } from './protocol-config';
import { CLASSIFICATION_LABELS } from './protocol';
import { birthSchema, CLOSE_REASON_LABELS, closeCaseSchema, eddChangeSchema, openCaseSchema, PROFESSIONAL_ROLE_LABELS, professionalSchema } from './model';
import { refreshNextDue } from './milestones/service';
import {
  comparableValue,
  describeValue,
  disagreesWith,
  FACT_FIELD_LABELS,
  FACT_SOURCE_LABELS,
  type FactField,
  factInputSchema,
  type FactInput,
  type FactView,
  findInconsistencies,
} from './demographics';

// ── Opening ────────────────────────────────────────────────────────────────────────────────────────

/**
 * Open a case. The first details are recorded as facts with the source given (what she said at the
 * desk is 'self-reported'); the opener's organisation is on the case from the start, and the protocol
 * in force for the chosen area is fixed to it.
 */
export async function openCase(db: Db, ctx: RequestContext, raw: unknown, now = new Date()): Promise<{ id: string; reference: string }> {
  authorizeContext(ctx, 'case.open');
  const actor = ctx.actor;
  if (!actor) throw new ForbiddenError('case.open');
  const today = londonDate(now);
  const input = parseInput(openCaseSchema(today), raw);
  const [area] = await db.select().from(geographies).where(eq(geographies.id, input.geographyId));
  if (!area || area.level !== 'local_authority') throw new ValidationError({ geographyId: 'Choose the local authority area whose protocol applies' });

  // Every fact is checked before anything is written, so one bad detail changes nothing.
  const facts: FactInput[] = [];
  const problems: Record<string, string> = {};
  const addFact = (field: FactField, value: unknown, formField: string) => {
    const r = factInputSchema(today).safeParse({ subject: 'mother', field, value, source: input.source, sourceDetail: input.sourceDetail, sourceDate: today });
    if (r.success) facts.push(r.data);
    else problems[formField] = r.error.issues[0]!.message;
  };
  addFact('name', { given: input.givenName, family: input.familyName }, 'givenName');
  if (input.dateOfBirth) addFact('date_of_birth', { date: input.dateOfBirth }, 'dateOfBirth');
  if (input.nhsNumber) addFact('nhs_number', { number: input.nhsNumber }, 'nhsNumber');
  if (input.addressLine || input.postcode) {
    if (!input.addressLine) problems.addressLine = 'Enter the first line of the address, or leave the postcode blank too';
    else addFact('address', { line: input.addressLine, postcode: input.postcode }, 'postcode');
  }
  let alertId: string | null = null;
  if (input.alertReference) {
    // The opener must be able to view the alert (never a draft): a case is no way round its need-to-know.
    try {
      alertId = (await alertForLinking(db, ctx, input.alertReference)).id;
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      Object.assign(problems, err.fieldErrors);
    }
  }
  if (Object.keys(problems).length) throw new ValidationError(problems);

  const protocol = await configInForce(db, 'case_milestones', area.id);
  for (let attempt = 1; ; attempt++) {
    try {
      const made = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(cases)
          .values({
            reference: newReference('CAS'),
            classification: input.classification,
            displayName: `${input.givenName} ${input.familyName}`,
            edd: input.edd,
            eddSource: input.eddSource ?? null,
            leadOrganisationId: actor.organisationId,
            geographyId: area.id,
            protocolVersionId: protocol.id,
            openedByUserId: actor.userId,
            openedAt: now,
          })
          .returning();
        const kase = row!;
        await tx.insert(caseOrganisations).values({ caseId: kase.id, organisationId: actor.organisationId, addedByUserId: actor.userId });
        for (const f of facts) await insertFact(tx, ctx, kase.id, f, [], now);
        await recordAudit(tx, ctx, {
          action: 'case.open',
          verb: 'C',
          entityType: 'Case',
          entityId: kase.id,
          detail: { reference: kase.reference, classification: kase.classification },
        });
        await appendCaseEvent(tx, ctx, kase.id, {
          kind: 'case_opened',
          occurredAt: now,
          summary: `Case opened: ${CLASSIFICATION_LABELS[input.classification]}${input.summary ? `. ${input.summary}` : ''}`,
          detail: { classification: input.classification },
        });
        if (alertId) await linkAlertTx(tx, ctx, kase, alertId);
        return { id: kase.id, reference: kase.reference };
      });
      // Its first milestones' due times, for the menu's count of cases with an overdue step.
      await refreshNextDue(db, [made.id], now);
      return made;
    } catch (err) {
      if (attempt < 3 && /cases_reference_unique/.test(String((err as Error).message) + String((err as { cause?: Error }).cause?.message))) continue;
      throw err;
    }
  }
}

// ── Reading ────────────────────────────────────────────────────────────────────────────────────────

/** Open (or all) cases the person's organisation works on; auditors see every case. */
export async function listCases(db: Db, ctx: RequestContext, opts: { status?: 'open' | 'closed' | 'all' } = {}) {
  authorizeContext(ctx, 'case.list');
  const status = opts.status ?? 'open';
  const mine = await caseScope(db, ctx, 'case.view');
  const list = await db
    .select({
      id: cases.id,
      reference: cases.reference,
      classification: cases.classification,
      status: cases.status,
      displayName: cases.displayName,
      edd: cases.edd,
      bornAt: cases.bornAt,
      openedAt: cases.openedAt,
      updatedAt: cases.updatedAt,
      leadOrganisation: organisations.name,
      area: geographies.name,
    })
    .from(cases)
    .innerJoin(organisations, eq(organisations.id, cases.leadOrganisationId))
    .innerJoin(geographies, eq(geographies.id, cases.geographyId))
    .where(and(mine, status === 'all' ? undefined : eq(cases.status, status)))
    .orderBy(desc(cases.updatedAt))
    .limit(500);
  await recordAuditNow(db, ctx, { action: 'case.list', verb: 'R', entityType: 'Case', detail: { status, count: list.length } });
  return list;
}

/** What every page of a case shows at the top: who, what kind, due date, agencies, open prompts. */
export async function caseHeader(db: Db, ctx: RequestContext, id: string, audit: string) {
  const kase = await requireCase(db, ctx, id, 'case.view', { auditRead: audit });
  const [area] = await db.select({ name: geographies.name, code: geographies.code }).from(geographies).where(eq(geographies.id, kase.geographyId));
  const prompts = await openPrompts(db, kase.id);
  const canUpdate = !!ctx.actor && can(ctx.actor, 'case.update', { organisationIds: await caseOrganisationIds(db, kase.id) }) && kase.status === 'open';
  return { kase, areaName: area?.name ?? '', areaCode: area?.code ?? '', openPromptCount: prompts.length, canUpdate };
}

/** The case summary: agencies, professionals, linked alerts, current demographic details and inconsistencies (audited read). */
export async function getCase(db: Db, ctx: RequestContext, id: string) {
  const header = await caseHeader(db, ctx, id, 'case.view');
  return { ...header, ...(await caseDetailOf(db, ctx, header.kase)) };
}

/** As {@link getCase}, for a case already loaded and authorised (the page frame audited the read). */
export async function caseDetailOf(db: Db, ctx: RequestContext, kase: CaseRow) {
  const agencies = await db
    .select({
      id: organisations.id,
      name: organisations.name,
      odsCode: organisations.odsCode,
      addedAt: caseOrganisations.addedAt,
      reason: caseOrganisations.reason,
      addedByName: caseOrganisations.addedByName,
      addedByOrganisationName: caseOrganisations.addedByOrganisationName,
    })
    .from(caseOrganisations)
    .innerJoin(organisations, eq(organisations.id, caseOrganisations.organisationId))
    .where(eq(caseOrganisations.caseId, kase.id))
    .orderBy(asc(caseOrganisations.addedAt));
  const professionals = await db
    .select({
      id: caseProfessionals.id,
      role: caseProfessionals.role,
      name: caseProfessionals.name,
      organisationName: sql<string | null>`coalesce(${organisations.name}, ${caseProfessionals.organisationName})`,
      phone: caseProfessionals.phone,
      email: caseProfessionals.email,
      addedAt: caseProfessionals.addedAt,
      endedAt: caseProfessionals.endedAt,
    })
    .from(caseProfessionals)
    .leftJoin(organisations, eq(organisations.id, caseProfessionals.organisationId))
    .where(eq(caseProfessionals.caseId, kase.id))
    .orderBy(asc(caseProfessionals.addedAt));
  const linked = await linkedAlertsFor(db, ctx, kase, 'summary');
  const facts = await listFacts(db, kase.id);
  return {
    agencies,
    professionals: professionals.map((p) => ({ ...p, roleLabel: PROFESSIONAL_ROLE_LABELS[p.role as keyof typeof PROFESSIONAL_ROLE_LABELS] ?? p.role })),
    alerts: linked,
    facts,
    inconsistencies: inconsistenciesOf(facts),
  };
}

// ── Agencies and professionals ─────────────────────────────────────────────────────────────────────

export const AGENCY_ADDED_EMAIL_JOB = 'cases.agency_added.email';

const agencyReasonSchema = requiredText(1000, 'Say why this agency is being added: its staff will see it', 'The reason must be 1000 characters or fewer');

/**
 * Add an agency to the case: its staff can then see and work on it. It is their decision too: the reason
 * is required and shown to them, their safeguarding team is emailed (reference and link only, in the
 * same transaction), and their staff can take their organisation off the case ({@link withdrawAgency}).
 */
export async function addAgency(db: Db, ctx: RequestContext, caseId: string, organisationId: string, reason?: unknown): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const problems: Record<string, string> = {};
  const [org] = isUuid(organisationId) ? await db.select().from(organisations).where(eq(organisations.id, organisationId)) : [];
  if (!org) problems.organisationId = 'Choose an organisation from the list';
  const why = agencyReasonSchema.safeParse(reason);
  if (!why.success) problems.reason = why.error.issues[0]!.message;
  if (!org || !why.success) throw new ValidationError(problems);
  const [by] = ctx.actor ? await db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, ctx.actor.organisationId)) : [];
  const mailboxes = await safeguardingContactMailboxes(db, org.id);
  await db.transaction(async (tx) => {
    const added = await tx
      .insert(caseOrganisations)
      .values({
        caseId,
        organisationId,
        addedByUserId: ctx.actor?.userId ?? null,
        reason: why.data,
        addedByName: actorName(ctx),
        addedByOrganisationName: by?.name ?? null,
      })
      .onConflictDoNothing()
      .returning();
    if (!added.length) throw new ValidationError({ organisationId: `${org.name} is already working on this case` });
    await recordCaseChange(tx, ctx, caseId, 'case.agency.add', { organisationId, name: org.name, notified: mailboxes.length }, why.data);
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'case_changed',
      summary: `${org.name} added to the case by ${actorName(ctx)}${by ? `, ${by.name}` : ''}: ${why.data}`,
    });
    for (const to of mailboxes)
      await enqueue(
        tx,
        AGENCY_ADDED_EMAIL_JOB,
        { caseId, organisationId, to },
        { idempotencyKey: `case-agency-added:${caseId}:${organisationId}:${to}:${added[0]!.addedAt.toISOString()}` },
      );
  });
}

const withdrawReasonSchema = requiredText(1000, 'Say why your organisation is not working on this case', 'The reason must be 1000 characters or fewer');

/**
 * Take one's own organisation off a case it was added to ("we are not working on this case"). The
 * organisation that opened the case cannot leave it. Audited, on the chronology, and the agency that
 * added it is told on the case; its staff then no longer see the case.
 */
export async function withdrawAgency(db: Db, ctx: RequestContext, caseId: string, reason: unknown): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const actor = ctx.actor;
  if (!actor) throw new ForbiddenError('case.update');
  if (actor.organisationId === kase.leadOrganisationId) {
    throw new ValidationError({
      reason: 'Your organisation opened this case and leads it, so it cannot leave it. Close the case instead, or ask another agency to lead',
    });
  }
  const why = parseInput(z.object({ reason: withdrawReasonSchema }), { reason }).reason;
  const [org] = await db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, actor.organisationId));
  await db.transaction(async (tx) => {
    const gone = await tx
      .delete(caseOrganisations)
      .where(and(eq(caseOrganisations.caseId, caseId), eq(caseOrganisations.organisationId, actor.organisationId)))
      .returning();
    if (!gone.length) throw new NotFoundError('Case');
    await recordCaseChange(tx, ctx, caseId, 'case.agency.withdraw', { organisationId: actor.organisationId, name: org?.name }, why);
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'case_changed',
      summary: `${org?.name ?? 'An agency'} is no longer working on the case (${actorName(ctx)}): ${why}`,
    });
  });
}

/** The email to an added agency's safeguarding team: the case reference and a link, never who she is. */
export async function emailAgencyAdded(
  db: Db,
  mailer: Mailer,
  publicUrl: string,
  payload: { caseId: string; organisationId: string; to: string },
): Promise<void> {
  const [row] = await db
    .select({ reference: cases.reference, by: caseOrganisations.addedByOrganisationName, addedAt: caseOrganisations.addedAt })
    .from(caseOrganisations)
    .innerJoin(cases, eq(cases.id, caseOrganisations.caseId))
    .where(and(eq(caseOrganisations.caseId, payload.caseId), eq(caseOrganisations.organisationId, payload.organisationId)));
  if (!row) return; // withdrawn before the email went: nothing to ask of them
  await mailer.send({
    to: payload.to,
    subject: `[Beacon] Your organisation has been added to case ${row.reference}`,
    text: [
      `${row.by ?? 'Another agency'} has added your organisation to case ${row.reference} in Beacon. Your staff who work on cases can now see it.`,
      '',
      `Sign in to Beacon to see why, and to take your organisation off the case if you are not working on it: ${publicUrl}/cases/${payload.caseId}`,
      '',
      'This email contains no personal information. Do not reply to it.',
    ].join('\n'),
    messageId: `<case-agency-${payload.caseId}-${payload.organisationId}-${row.addedAt.getTime()}-${payload.to.replace(/[^\w.-]/g, '_')}@beacon>`,
  });
}

export async function addProfessional(db: Db, ctx: RequestContext, caseId: string, raw: unknown): Promise<string> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const input = parseInput(professionalSchema, raw);
  if (input.organisationId) {
    const [org] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, input.organisationId));
    if (!org) throw new ValidationError({ organisationId: 'Choose an organisation from the list' });
  }
  return db.transaction(async (tx) => {
    // One named person per role at a time: the previous holder is kept with an end date.
    await tx
      .update(caseProfessionals)
      .set({ endedAt: new Date() })
      .where(
        and(eq(caseProfessionals.caseId, caseId), eq(caseProfessionals.role, input.role), isNull(caseProfessionals.endedAt), sql`${input.role} <> 'other'`),
      );
    const [p] = await tx
      .insert(caseProfessionals)
      .values({ caseId, ...input, addedByUserId: ctx.actor?.userId ?? null })
      .returning({ id: caseProfessionals.id });
    await recordCaseChange(tx, ctx, caseId, 'case.professional.add', { role: input.role });
    await appendCaseEvent(tx, ctx, caseId, { kind: 'case_changed', summary: `${PROFESSIONAL_ROLE_LABELS[input.role]}: ${input.name}` });
    return p!.id;
  });
}

export async function endProfessional(db: Db, ctx: RequestContext, caseId: string, professionalId: string): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  if (!isUuid(professionalId)) throw new NotFoundError('Professional');
  await db.transaction(async (tx) => {
    const ended = await tx
      .update(caseProfessionals)
      .set({ endedAt: new Date() })
      .where(and(eq(caseProfessionals.id, professionalId), eq(caseProfessionals.caseId, caseId), isNull(caseProfessionals.endedAt)))
      .returning({ role: caseProfessionals.role, name: caseProfessionals.name });
    if (!ended.length) throw new NotFoundError('Professional');
    await recordCaseChange(tx, ctx, caseId, 'case.professional.end', { role: ended[0]!.role });
  });
}

/** The current named professional in a role (the named social worker to inform, the safeguarding lead to flag). */
export async function currentProfessional(db: Db, caseId: string, role: string) {
  const [p] = await db
    .select()
    .from(caseProfessionals)
    .where(and(eq(caseProfessionals.caseId, caseId), eq(caseProfessionals.role, role), isNull(caseProfessionals.endedAt)))
    .orderBy(desc(caseProfessionals.addedAt))
    .limit(1);
  return p ?? null;
}

// ── Alerts ─────────────────────────────────────────────────────────────────────────────────────────

async function linkAlertTx(tx: Db, ctx: RequestContext, kase: CaseRow, alertId: string): Promise<void> {
  const [a] = await tx.select({ reference: alerts.reference }).from(alerts).where(eq(alerts.id, alertId));
  const added = await tx
    .insert(caseAlerts)
    .values({ caseId: kase.id, alertId, linkedByUserId: ctx.actor?.userId ?? null })
    .onConflictDoNothing()
    .returning();
  if (!added.length) throw new ValidationError({ alertReference: 'That alert is already linked to this case' });
  await recordCaseChange(tx, ctx, kase.id, 'case.alert.link', { alertId, reference: a?.reference });
  await recordAlertLinked(tx, ctx, alertId, { entityType: 'Case', entityId: kase.id, reference: kase.reference });
  await appendCaseEvent(tx, ctx, kase.id, { kind: 'alert_linked', summary: `High-risk alert ${a?.reference ?? ''} linked to the case`, detail: { alertId } });
}

/**
 * Link a high-risk alert by its reference. The person must be able to view the alert (and it must be
 * past draft): a case does not become a way round the alert register's need-to-know rule. Any other
 * reference gets one answer, so linking cannot be used to learn whether an alert exists.
 */
export async function linkAlert(db: Db, ctx: RequestContext, caseId: string, reference: string): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const ref = (reference ?? '').toUpperCase().trim();
  if (!ref) throw new ValidationError({ alertReference: 'Enter the alert reference, like BCN-7K3Q9M' });
  const a = await alertForLinking(db, ctx, ref);
  await db.transaction((tx) => linkAlertTx(tx, ctx, kase, a.id));
}

// ── Due date, birth, closing ───────────────────────────────────────────────────────────────────────

export async function changeEdd(db: Db, ctx: RequestContext, caseId: string, raw: unknown, now = new Date()): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const input = parseInput(eddChangeSchema(londonDate(now)), raw);
  await db.transaction(async (tx) => {
    await tx.update(cases).set({ edd: input.edd, eddSource: input.eddSource }).where(eq(cases.id, caseId));
    await recordCaseChange(tx, ctx, caseId, 'case.edd.change', { from: kase.edd, to: input.edd }, input.reason);
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'case_changed',
      summary: `Due date changed from ${kase.edd ?? 'not known'} to ${input.edd}: ${input.reason}`,
    });
  });
  await refreshNextDue(db, [caseId], now);
}

export async function recordCaseBirth(db: Db, ctx: RequestContext, caseId: string, raw: unknown, now = new Date()): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update', { lock: false });
  assertOpen(kase);
  if (kase.bornAt) throw new ValidationError({ bornAt: 'The birth has already been recorded' });
  const input = parseInput(birthSchema(now), raw);
  await db.transaction(async (tx) => {
    await tx.update(cases).set({ bornAt: input.bornAt }).where(eq(cases.id, caseId));
    await recordCaseChange(tx, ctx, caseId, 'case.birth');
    await appendCaseEvent(tx, ctx, caseId, { kind: 'case_changed', occurredAt: input.bornAt, summary: 'Baby born' });
  });
  await refreshNextDue(db, [caseId], now);
}

export async function closeCase(db: Db, ctx: RequestContext, caseId: string, raw: unknown): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const input = parseInput(closeCaseSchema, raw);
  await db.transaction(async (tx) => {
    await tx
      .update(cases)
      .set({ status: 'closed', closedAt: new Date(), closedReason: `${CLOSE_REASON_LABELS[input.reason]}: ${input.note}` })
      .where(eq(cases.id, caseId));
    await recordCaseChange(tx, ctx, caseId, 'case.close', { reason: input.reason }, input.note);
    await appendCaseEvent(tx, ctx, caseId, { kind: 'case_changed', summary: `Case closed: ${CLOSE_REASON_LABELS[input.reason]}. ${input.note}` });
  });
}

export async function reopenCase(db: Db, ctx: RequestContext, caseId: string, reason: string): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  if (kase.status === 'open') throw new ValidationError({ form: 'This case is already open' });
  const why = (reason ?? '').trim();
  if (!why) throw new ValidationError({ reason: 'Enter why the case is being reopened' });
  await db.transaction(async (tx) => {
    await tx.update(cases).set({ status: 'open', closedAt: null, closedReason: null }).where(eq(cases.id, caseId));
    await recordCaseChange(tx, ctx, caseId, 'case.reopen', undefined, why);
    await appendCaseEvent(tx, ctx, caseId, { kind: 'case_changed', summary: `Case reopened: ${why}` });
  });
  await refreshNextDue(db, [caseId]);
}

// ── Demographic facts ──────────────────────────────────────────────────────────────────────────────

type FactRow = typeof caseFacts.$inferSelect;
const toView = (f: FactRow): FactView => ({
  id: f.id,
  subject: f.subject as FactView['subject'],
  field: f.field as FactField,
  comparable: f.comparable,
  source: f.source as FactView['source'],
  sourceDate: f.sourceDate,
  superseded: !!f.supersededAt,
});

async function insertFact(tx: Db, ctx: RequestContext, caseId: string, f: FactInput, current: readonly FactView[], at = new Date()): Promise<string> {
  const comparable = comparableValue(f.field, f.value);
  const [row] = await tx
    .insert(caseFacts)
    .values({
      caseId,
      subject: f.subject,
      field: f.field,
      value: f.value,
      comparable,
      source: f.source,
      sourceDetail: f.sourceDetail,
      sourceDate: f.sourceDate,
      recordedByUserId: ctx.actor?.userId ?? null,
      recordedByName: actorName(ctx),
      recordedByOrganisationId: ctx.actor?.organisationId ?? null,
    })
    .returning({ id: caseFacts.id });
  const clash = disagreesWith({ subject: f.subject, field: f.field, comparable }, current);
  const label = FACT_FIELD_LABELS[f.field];
  await appendCaseEvent(tx, ctx, caseId, {
    kind: 'demographic_recorded',
    occurredAt: at,
    summary: `${label} recorded (${FACT_SOURCE_LABELS[f.source]}${f.sourceDetail ? `: ${f.sourceDetail}` : ''}): ${describeValue(f.field, f.value)}`,
    detail: { factId: row!.id, field: f.field, subject: f.subject },
  });
  if (clash.length) {
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'identity_inconsistency',
      occurredAt: at,
      summary: `${label} differs between sources: ${describeValue(f.field, f.value)} (${FACT_SOURCE_LABELS[f.source]}) does not match what was recorded before`,
      detail: { factId: row!.id, field: f.field, subject: f.subject, differsFrom: clash.map((c) => c.id) },
    });
  }
  if (f.subject === 'mother' && f.field === 'name') {
    const v = f.value as { given: string; family: string };
    await tx
      .update(cases)
      .set({ displayName: `${v.given} ${v.family}` })
      .where(eq(cases.id, caseId));
  }
  return row!.id;
}

/**
 * Record a demographic detail with its source. A value that differs from a current one is kept
 * alongside it and flagged as an inconsistency; nothing is overwritten.
 */
export async function recordFact(db: Db, ctx: RequestContext, caseId: string, raw: unknown, now = new Date()): Promise<{ id: string; inconsistent: boolean }> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const input = parseInput(factInputSchema(londonDate(now)), raw);
  return db.transaction(async (tx) => {
    const current = (await tx.select().from(caseFacts).where(eq(caseFacts.caseId, caseId))).map(toView);
    const id = await insertFact(tx, ctx, caseId, input, current, now);
    await recordCaseChange(tx, ctx, caseId, 'case.fact.record', { field: input.field, subject: input.subject, source: input.source });
    return {
      id,
      inconsistent: disagreesWith({ subject: input.subject, field: input.field, comparable: comparableValue(input.field, input.value) }, current).length > 0,
    };
  });
}

/** Mark a detail as no longer current (wrong, or out of date), with the reason. It stays in the history. */
export async function supersedeFact(db: Db, ctx: RequestContext, caseId: string, factId: string, reason: string): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const why = (reason ?? '').trim();
  if (!why) throw new ValidationError({ reason: 'Enter why this detail is no longer current, like "PDS trace shows a different date of birth"' });
  if (why.length > 500) throw new ValidationError({ reason: 'Reason must be 500 characters or fewer' });
  if (!isUuid(factId)) throw new NotFoundError('Detail');
  await db.transaction(async (tx) => {
    const done = await tx
      .update(caseFacts)
      .set({ supersededAt: new Date(), supersededByUserId: ctx.actor?.userId ?? null, supersededReason: why })
      .where(and(eq(caseFacts.id, factId), eq(caseFacts.caseId, caseId), isNull(caseFacts.supersededAt)))
      .returning();
    if (!done.length) throw new NotFoundError('Detail');
    const f = done[0]!;
    await recordCaseChange(tx, ctx, caseId, 'case.fact.supersede', { factId, field: f.field }, why);
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'demographic_recorded',
      summary: `${FACT_FIELD_LABELS[f.field as FactField]} ${describeValue(f.field as FactField, f.value)} marked no longer current: ${why}`,
      detail: { factId, field: f.field },
    });
  });
}

export async function listFacts(db: Db, caseId: string) {
  const list = await db
    .select()
    .from(caseFacts)
    .where(eq(caseFacts.caseId, caseId))
    .orderBy(asc(caseFacts.field), desc(caseFacts.sourceDate), desc(caseFacts.recordedAt));
  return list.map((f) => ({ ...f, text: describeValue(f.field as FactField, f.value), view: toView(f) }));
}

export function inconsistenciesOf(facts: Awaited<ReturnType<typeof listFacts>>) {
  const byId = new Map(facts.map((f) => [f.id, f]));
  return findInconsistencies(facts.map((f) => f.view)).map((i) => ({
    ...i,
    label: FACT_FIELD_LABELS[i.field],
    values: i.groups.map((g) => ({ text: byId.get(g.factIds[0]!)!.text, sources: g.sources.map((s) => FACT_SOURCE_LABELS[s]), factIds: g.factIds })),
  }));
}

/**
 * Details she gave at point-of-care checks that matched a linked alert ("same person"): the variants
 * she is using, shown beside the case's own facts.
 */
export async function pointOfCareVariants(db: Db, ctx: RequestContext, kase: CaseRow) {
  const visible = await viewableLinkedAlerts(db, ctx, kase, 'identity details');
  if (!visible.size) return [];
  return db
    .select({
      id: presentations.id,
      alertId: presentations.alertId,
      presentedAt: presentations.presentedAt,
      placeName: presentations.placeName,
      organisationName: presentations.organisationName,
      details: presentations.details,
      inconsistencies: presentations.inconsistencies,
    })
    .from(presentations)
    .where(inArray(presentations.alertId, [...visible.keys()]))
    .orderBy(desc(presentations.presentedAt));
}
