/**
 * The case-file audit demo: Hampshire's concealed pregnancy template (version 2 published, version 1 kept), a
 * round over the partnership's cases drawn with a recorded seed, the trust's section completed by its named
 * midwife and moderated by the designated nurse (one grade differed: agreed, with the reason), the council's
 * section still to do, and a finding whose learning can become a tracker action.
 */
import { eq } from 'drizzle-orm';
import { caseFileRounds, caseFileSections } from '../assurance/casefile/schema';
import { addFinding, startRound } from '../assurance/casefile/service';
import { createTemplate, newTemplateVersion, publishTemplate, updateTemplate } from '../assurance/casefile/templates';
import { completeSection, moderateSection } from '../assurance/casefile/sections';
import { organisations } from '../directory/schema';
import { partnershipByCode } from '../directory/service';
import { contextForEmail } from '../people/service';
import type { Db } from '../platform/db/engine';
import type { DemoUser } from './directory-data';
import { createDemoPeople } from './seed';

export const CASEFILE_PEOPLE: DemoUser[] = [
  {
    email: 'named.midwife@beacon.example',
    displayName: 'Kemi Adebayo',
    jobTitle: 'Named midwife for safeguarding',
    role: 'designated_professional',
    odsCode: 'RHM',
  },
];

export const CONCEALED_PREGNANCY_QUESTIONS = [
  { text: 'Was the concealment or late booking recognised, and acted on, at the first contact?', type: 'grade' },
  { text: 'Were her demographic details checked against every source, and inconsistencies resolved?', type: 'grade' },
  { text: 'Was a referral to children’s social care made when the protocol required it?', type: 'yes_no' },
  { text: 'Was a discharge planning meeting held before the discharge decision?', type: 'yes_no' },
  { text: 'Were toxicology results known before the discharge decision?', type: 'yes_no' },
  { text: 'Was information shared between agencies in time to protect the baby?', type: 'grade' },
  { text: 'Were professional disagreements escalated as the escalation policy sets out?', type: 'grade' },
  { text: 'What would have made the most difference for this baby?', type: 'text' },
];

/** Adds the template and the round once (a second start adds nothing). Returns whether it did. */
export async function seedDemoCaseFileAudit(db: Db, opts: { password: string }): Promise<boolean> {
  const hampshire = await partnershipByCode(db, 'E10000014');
  if (!hampshire) return false;
  await createDemoPeople(db, CASEFILE_PEOPLE, opts.password);
  if ((await db.select({ id: caseFileRounds.id }).from(caseFileRounds).limit(1)).length) return false;
  const ctx = (email: string) => contextForEmail(db, email, 'seed-demo-casefile');
  const manager = await ctx('partnership@beacon.example');
  const named = await ctx('named.midwife@beacon.example');
  const designated = await ctx('designated@beacon.example');

  // Version 1 had six questions; version 2 added the two on toxicology and escalation after the Baby H review.
  const first = CONCEALED_PREGNANCY_QUESTIONS.filter((_, i) => i !== 4 && i !== 6);
  const v1 = await createTemplate(db, manager, { partnershipId: hampshire.id, title: 'Concealed pregnancy multi-agency case-file audit', questions: first });
  await publishTemplate(db, manager, v1.id);
  const v2 = await newTemplateVersion(db, manager, v1.id);
  await updateTemplate(db, manager, v2.id, { title: 'Concealed pregnancy multi-agency case-file audit', questions: CONCEALED_PREGNANCY_QUESTIONS });
  await publishTemplate(db, manager, v2.id);

  const round = await startRound(db, manager, {
    partnershipId: hampshire.id,
    title: 'Concealed pregnancy and late booking: first round',
    theme: 'Concealed pregnancy',
    templateId: v2.id,
    // Every kind of case: the demo has one Hampshire case (an unborn baby protocol case, booked late).
    sampleSize: 6,
    seed: 20_180_905,
  });
  const [trust] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, 'RHM'));
  const sections = await db.select().from(caseFileSections).where(eq(caseFileSections.roundId, round.id));
  const own = sections.find((s) => s.organisationId === trust?.id);
  if (own) {
    await completeSection(db, named, own.id, {
      answers: {
        q1: 'good',
        q2: 'requires_improvement',
        q3: 'yes',
        q4: 'no',
        q5: 'not_applicable',
        q6: 'good',
        q7: 'requires_improvement',
        q8: 'Checking her details against the GP record at booking: the address she gave was not the one registered.',
      },
    });
    await moderateSection(db, designated, own.id, {
      'm.q1': 'good',
      'm.q2': 'requires_improvement',
      'm.q6': 'requires_improvement',
      'm.q7': 'requires_improvement',
      'agreed.q6': 'requires_improvement',
      'reason.q6': 'The referral reached children’s services two working days after booking: in time for this baby, but outside the protocol’s one day.',
    });
  }
  await addFinding(db, manager, round.id, {
    theme: 'Demographic details checked at booking',
    learning: 'Check the details a woman gives against the GP record and the Personal Demographics Service at booking, and record where each detail came from.',
  });
  return true;
}
