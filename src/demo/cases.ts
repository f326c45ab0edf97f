/**
 * Demo cases, so a first start shows the case pages with something in them: an unborn baby protocol
 * case in Southampton with overdue milestones, an identity inconsistency, a pattern prompt waiting for
 * an answer and an escalation at stage 2; an unbooked woman in labour in Portsmouth, checklist half
 * done, toxicology pending and the discharge gate closed; and a late-booked case in Hampshire (the
 * partnership manager's area) escalated because the referral has had no response. Every name is invented. Everything is
 * written through the services, as the people would, so the audit trail and chronology are real.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { geographies, organisations } from '../directory/schema';
import { contextForEmail } from '../people/service';
import { addDays, londonDate } from '../platform/dates';
import { cases } from '../cases/schema';
import { addAgency, addProfessional, openCase, recordCaseBirth, recordFact } from '../cases/service';
import { completeMilestone } from '../cases/milestones/service';
import { recordObservation } from '../cases/chronology/service';
import { recordChecklistItem } from '../cases/labour/service';
import { decideDpmRequired, requestToxicology } from '../cases/discharge/service';
import { escalate, raiseEscalation } from '../escalations/service';

const DAY = 86_400_000;

const contextOf = (db: Db, email: string) => contextForEmail(db, email, 'seed-demo-cases');

async function geographyId(db: Db, code: string): Promise<string> {
  const [row] = await db.select({ id: geographies.id }).from(geographies).where(eq(geographies.code, code));
  if (!row) throw new Error(`demo area ${code} is missing`);
  return row.id;
}

async function organisationId(db: Db, odsCode: string): Promise<string> {
  const [row] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, odsCode));
  if (!row) throw new Error(`demo organisation ${odsCode} is missing`);
  return row.id;
}

/** Add the demo cases once (does nothing if any case exists). Returns how many were added. */
export async function seedDemoCases(db: Db, now = new Date()): Promise<number> {
  const [any] = await db.select({ id: cases.id }).from(cases).limit(1);
  if (any) return 0;
  const midwife = await contextOf(db, 'midwife@beacon.example');
  const socialWorker = await contextOf(db, 'social.worker@beacon.example');
  const edNurse = await contextOf(db, 'ed.nurse@beacon.example');
  const southampton = await geographyId(db, 'E06000045');
  const portsmouth = await geographyId(db, 'E06000044');
  const southamptonCouncil = await organisationId(db, '852');
  const portsmouthCouncil = await organisationId(db, '851');
  const hampshire = await geographyId(db, 'E10000014');
  const hampshireCouncil = await organisationId(db, '850');
  const today = londonDate(now);
  const ago = (days: number) => new Date(now.getTime() - days * DAY);

  // ── Southampton: unborn baby protocol, opened 10 weeks ago at 21 weeks; 31 weeks today ───────────
  const openedAt = ago(70);
  const a = await openCase(
    db,
    midwife,
    {
      classification: 'unborn_baby_protocol',
      givenName: 'Kerry-Ann',
      familyName: 'Whitlow',
      dateOfBirth: '1996-03-02',
      addressLine: '7 Lordswood Close',
      postcode: 'SO16 5PQ',
      source: 'self_reported',
      edd: addDays(today, 9 * 7),
      eddSource: 'dating_scan',
      geographyId: southampton,
      summary: 'Previous child removed at birth (2022). Partner known to police. Late booking at 20 weeks.',
    },
    openedAt,
  );
  await addAgency(db, midwife, a.id, southamptonCouncil, "Children's social care hold the pre-birth assessment");
  await addProfessional(db, midwife, a.id, {
    role: 'midwife',
    name: 'Priya Natarajan',
    organisationName: 'University Hospital Southampton community midwives',
    phone: '023 8077 7222',
    email: 'priya.natarajan@uhs.example',
  });
  await addProfessional(db, midwife, a.id, {
    role: 'safeguarding_midwife',
    name: 'Helen Marsh',
    organisationId: midwife.actor!.organisationId,
    phone: '023 8120 6000',
    email: 'midwife@beacon.example',
  });
  await addProfessional(db, midwife, a.id, {
    role: 'social_worker',
    name: 'Sam Okafor',
    organisationId: southamptonCouncil,
    phone: '023 8083 3336',
    email: 'social.worker@beacon.example',
  });
  await addProfessional(db, midwife, a.id, {
    role: 'health_visitor',
    name: 'Grace Adeyemi',
    organisationName: 'Solent NHS Trust health visiting',
    phone: '0300 123 6661',
  });
  await recordFact(db, socialWorker, a.id, {
    field: 'address',
    value: { line: 'Flat 3, 22 Winchester Road', postcode: 'SO15 2AH' },
    source: 'other_agency',
    sourceDetail: 'Southampton children’s services (housing check)',
    sourceDate: addDays(today, -20),
  });
  await recordFact(db, midwife, a.id, { field: 'nhs_number', value: { number: '9434765870' }, source: 'pds_verified', sourceDate: addDays(today, -60) });
  await completeMilestone(db, midwife, a.id, 'referral_to_social_care', {
    completedAt: addDays(today, -68),
    note: 'Referred to Southampton children’s resource service',
  });
  await completeMilestone(db, socialWorker, a.id, 'pre_birth_assessment_started', { completedAt: addDays(today, -55) });
  for (const [days, what] of [
    [50, 'Did not attend antenatal clinic at the Princess Anne Hospital'],
    [36, 'Did not attend growth scan'],
    [22, 'Did not attend antenatal clinic; phone switched off'],
  ] as const) {
    await recordObservation(db, midwife, a.id, { kind: 'appointment_missed', occurredAt: addDays(today, -days), summary: what }, now);
  }
  await recordObservation(
    db,
    socialWorker,
    a.id,
    {
      kind: 'no_access_visit',
      occurredAt: addDays(today, -15),
      summary: 'Home visit: no answer, curtains drawn, neighbour says she is staying with her partner',
    },
    now,
  );
  await recordObservation(
    db,
    socialWorker,
    a.id,
    {
      kind: 'address_change',
      occurredAt: addDays(today, -12),
      summary: 'Told the housing officer she has moved to Winchester Road; told the midwife she is still at Lordswood Close',
    },
    now,
  );
  const esc = await raiseEscalation(
    db,
    midwife,
    {
      caseId: a.id,
      subject: 'threshold',
      concern:
        'Three missed appointments, a change of address and no access: we think the pre-birth assessment must move to a strategy discussion now, not at 34 weeks.',
      desiredOutcome: 'Strategy discussion this week; initial child protection conference before 34 weeks.',
      raisedWithOrganisationId: southamptonCouncil,
      raisedWithName: 'Sam Okafor',
    },
    ago(9),
  );
  await escalate(
    db,
    midwife,
    esc.id,
    {
      toStage: 2,
      ownerName: 'Team manager, Southampton assessment team',
      ownerOrganisationId: southamptonCouncil,
      agreedActions: 'Social worker to discuss with manager; no date agreed for a strategy discussion.',
    },
    ago(6),
  );

  // ── Portsmouth: an unbooked woman in labour, born this morning ─────────────────────────────────
  const b = await openCase(
    db,
    edNurse,
    {
      classification: 'unbooked_in_labour',
      givenName: 'Jade',
      familyName: 'Morrow',
      source: 'self_reported',
      geographyId: portsmouth,
      summary: 'Arrived by ambulance in established labour. No booking, no GP given.',
    },
    ago(0.5),
  );
  await addAgency(db, edNurse, b.id, portsmouthCouncil, "She gave a Portsmouth address: a referral to children's social care was made tonight");
  await recordCaseBirth(db, edNurse, b.id, { bornAt: ago(0.3).toISOString() }, now);
  await recordChecklistItem(db, edNurse, b.id, { item: 'alert_register_checked', answer: 'no_match', doneAt: ago(0.48).toISOString() }, now);
  await recordChecklistItem(
    db,
    edNurse,
    b.id,
    { item: 'cpis_checked', answer: 'not_available', note: 'No NHS number yet: trace requested', doneAt: ago(0.47).toISOString() },
    now,
  );
  await recordChecklistItem(
    db,
    edNurse,
    b.id,
    { item: 'csc_referral', answer: 'referred', note: 'Portsmouth MASH, out of hours via the emergency duty team', doneAt: ago(0.45).toISOString() },
    now,
  );
  await recordChecklistItem(db, edNurse, b.id, { item: 'toxicology_offered', answer: 'consent_given', doneAt: ago(0.4).toISOString() }, now);
  await decideDpmRequired(
    db,
    edNurse,
    b.id,
    {
      required: 'yes',
      decidedByName: 'Dr R. Lindqvist',
      decidedByRole: 'Consultant neonatologist',
      reason: 'Unbooked, no history available, children’s social care referral made',
    },
    now,
  );
  await requestToxicology(
    db,
    edNurse,
    b.id,
    { subject: 'baby', sample: 'meconium', requestedAt: ago(0.2).toISOString(), requestedByName: 'Dr R. Lindqvist', consent: 'given' },
    now,
  );
  await requestToxicology(
    db,
    edNurse,
    b.id,
    { subject: 'mother', sample: 'urine', requestedAt: ago(0.4).toISOString(), requestedByName: 'Labour ward midwife', consent: 'given' },
    now,
  );

  // ── Hampshire (the partnership manager's area): unborn baby protocol, late booking, escalated ─────
  const c = await openCase(
    db,
    midwife,
    {
      classification: 'unborn_baby_protocol',
      givenName: 'Toni',
      familyName: 'Hallett',
      dateOfBirth: '2001-10-19',
      addressLine: '3 Rectory Lane, Romsey',
      postcode: 'SO51 8DP',
      source: 'self_reported',
      edd: addDays(today, 15 * 7),
      eddSource: 'dating_scan',
      geographyId: hampshire,
      summary: 'Booked at 24 weeks after concealing the pregnancy. Care leaver; partner has a history of domestic abuse.',
    },
    ago(21),
  );
  await addAgency(db, midwife, c.id, hampshireCouncil, 'She lives in Romsey: Hampshire children’s services hold the referral');
  await completeMilestone(db, midwife, c.id, 'referral_to_social_care', {
    completedAt: addDays(today, -20),
    note: 'Referred to the Hampshire children’s reception team',
  });
  await recordObservation(
    db,
    midwife,
    c.id,
    { kind: 'appointment_missed', occurredAt: addDays(today, -7), summary: 'Did not attend antenatal clinic at Romsey' },
    now,
  );
  await raiseEscalation(
    db,
    midwife,
    {
      caseId: c.id,
      subject: 'plan_progress',
      concern: 'Referral made three weeks ago with no acknowledgement or allocation; the pre-birth assessment has not started and she is 25 weeks.',
      desiredOutcome: 'An allocated social worker and a date for the pre-birth assessment this week.',
      raisedWithOrganisationId: hampshireCouncil,
      raisedWithName: 'Duty manager, children’s reception team',
    },
    ago(2),
  );
  return 3;
}
