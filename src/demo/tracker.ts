/**
 * The review tracker's demo: the Hampshire partnership's response to the partnership review of Baby H, as
 * the seed document records it — the four recommendations, the board's and the designated nurse's responses —
 * with actions linked to Beacon's own evidence (the disguised compliance course's attendance and evaluation,
 * the spotlight briefing's readership, the published SOP, guidelines and protocol, and the signed-off SOP
 * audit), one recommendation quality-assured and signed off, one action overdue after a revised date, one
 * due soon with no evidence, and a board report presented two months ago. Played through the services as
 * the people who would do each step, at the times they did it.
 */
import { eq } from 'drizzle-orm';
import { listRuns } from '../assurance/audits';
import { recordBoardReport } from '../assurance/tracker/board';
import { addEvidence } from '../assurance/tracker/evidence';
import { trackerReviews } from '../assurance/tracker/schema';
import {
  addRecommendation,
  createAction,
  createReview,
  qualityAssure,
  respond,
  reviseDue,
  setStatus,
  signOffRecommendation,
} from '../assurance/tracker/service';
import { getReview } from '../assurance/tracker/reading';
import { partnershipByCode } from '../directory/service';
import { organisations } from '../directory/schema';
import { resultsCourses } from '../learning/results';
import { listDocuments } from '../library/documents';
import { contextForEmail } from '../people/service';
import { addDays, formatDate, londonDate } from '../platform/dates';
import type { Db } from '../platform/db/engine';

const DAY = 86_400_000;

export const BABY_H_RECOMMENDATIONS = [
  'Hampshire Safeguarding Children Partnership is to consider providing training and development for professionals working with parents and carers who may seek to manipulate and deceive. This should include the phenomenon first described by Reder & Duncan (1999) as ‘closure’, ‘flight’ and ‘disguised compliance’.',
  'West Hampshire CCG in collaboration with Hampshire Safeguarding Children Board and partners are to consider the requirement for a succinct process which details how to raise an alert across health services. This should include the need for as much information as possible about the individual, such as NHS Numbers, due date and photographs (where possible) to ensure that they can be utilised by receiving organisations. Consideration will also need to be given to how widely the alert is to be distributed around the county, region and/or country.',
  'Hampshire Safeguarding Children Board should review the existing Concealed Pregnancy Guidelines to ensure that they reflect the learning from this case; including guidance on the management of demographic information, the importance of discharge planning meetings, the use of toxicology results and the risks of decision making without them and the escalation of professional concerns between agencies. Once reviewed and if necessary, updated, the Board should seek to explore how embedded the Guidelines are within practice.',
  'Hampshire Safeguarding Children Partnership, in partnership with the other LSCPs in the Hampshire, Isle of Wight, Portsmouth and Southampton, will review the existing Unborn Baby Protocol (UBP) to ensure that it reflects the learning from this case; including guidance on the management of demographic information, the importance of discharge planning meetings, the use of toxicology results and the risks of decision making without them, and the escalation of professional concerns between agencies. Once reviewed and if necessary, updated, the Board will seek to explore how embedded the Guidelines are within practice.',
];

/** Adds the review once (a second start adds nothing). Returns whether it did. */
export async function seedDemoTracker(db: Db, opts: { now?: Date } = {}): Promise<boolean> {
  const now = opts.now ?? new Date();
  const hampshire = await partnershipByCode(db, 'E10000014');
  if (!hampshire) return false;
  const [existing] = await db.select({ id: trackerReviews.id }).from(trackerReviews).limit(1);
  if (existing) return false;
  const ctx = (email: string) => contextForEmail(db, email, 'seed-demo-tracker');
  const manager = await ctx('partnership@beacon.example');
  const designated = await ctx('designated@beacon.example');
  const chair = await ctx('lig.chair@beacon.example');
  const board = await ctx('board@beacon.example');
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const day = (days: number) => addDays(londonDate(now), days);
  const [icb] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, 'QRL'));

  const review = await createReview(db, manager, {
    partnershipId: hampshire.id,
    title: 'Partnership review: Baby H',
    reviewType: 'partnership_review',
    consideredOn: '2018-09-05',
    decision:
      'The Learning and Inquiry Group found that the case met the criteria for a partnership review (Regulation 5 of the Local Safeguarding Children Board Regulations 2006).',
    ledBy: 'A designated nurse and a senior manager within children’s services, both independent of the case.',
    methodology: 'Systems-based, with full participation by the front-line practitioners who had been involved with the family.',
    subgroup: 'Learning and Inquiry Group',
  });
  const recs: { id: string; number: number }[] = [];
  for (const [i, text] of BABY_H_RECOMMENDATIONS.entries())
    recs.push(await addRecommendation(db, manager, review.id, { text, addressees: i === 1 && icb ? ['board', icb.id] : ['board'] }));
  const view = (await getReview(db, manager, review.id)).review;
  const responseOf = (n: number, board: boolean) => view.recommendations[n]!.responses.find((r) => (r.organisationId === null) === board)!.id;
  await respond(
    db,
    manager,
    responseOf(0, true),
    {
      response:
        'The HSCP already provides fully funded training to its multi-agency workforce to support professionals who work with families who display disguised compliance. Learning from this case will be used to inform this course as it continues to develop. As part of the HSCP learning needs analysis the Workforce Development subgroup will review existing HSCP courses to ensure that information regarding the recognition and response to parental disguised compliance is included throughout its training offering where appropriate.\n\nPost-training surveys will ask how practitioners are considering disguised compliance within their role.\n\nA spotlight briefing on disguised compliance has been published and circulated to front-line professionals based on Reder and Duncan’s research.',
    },
    ago(200),
  );
  if (icb)
    await respond(
      db,
      designated,
      responseOf(1, false),
      {
        response:
          'The Designated Nurse, with support from the safeguarding partners, will develop a Standard Operating Procedure (SOP) for managing high-risk alerts. Once approved this will be shared with partner agencies and uploaded onto the HSCP’s web page.\n\nAn audit will be conducted six months following implementation to establish if the SOP has been embedded in practice.',
      },
      ago(215),
    );
  await respond(db, manager, responseOf(1, true), { response: 'The Board supports the SOP and will receive the six-month audit.' }, ago(215));
  await respond(
    db,
    manager,
    responseOf(2, true),
    {
      response: 'The guidelines have been reviewed and reissued; the Board will explore how embedded they are through the protocol audit and case-file audits.',
    },
    ago(150),
  );
  await respond(
    db,
    manager,
    responseOf(3, true),
    { response: 'The four partnerships are reviewing the Unborn Baby Protocol together; version 1.1 reflects the learning and is in review.' },
    ago(60),
  );

  // The evidence, as the people who may read it find it.
  const course = (await resultsCourses(db, manager)).find((c) => /disguised compliance/i.test(c.title));
  const docs = await listDocuments(db, manager);
  const doc = (kind: string) => docs.find((d) => d.kind === kind && d.current);
  const frozen = (await listRuns(db, designated)).find((r) => r.status === 'frozen');

  const action = async (n: number, who: typeof manager, at: Date, fields: Record<string, unknown>) => (await createAction(db, who, recs[n]!.id, fields, at)).id;
  const evidence = async (who: typeof manager, actionId: string, kind: string, targetId: string | undefined, at: Date, note?: string) => {
    if (targetId) await addEvidence(db, who, actionId, { kind, targetId, note }, at);
  };

  // 1. Training: both actions complete with evidence; quality-assured and signed off.
  const training = await action(0, manager, ago(240), {
    title: 'Review HSCP courses so disguised compliance runs through the training offer',
    ownerName: 'Nadia Hussain, Workforce Development subgroup',
    dueOn: addDays(londonDate(ago(240)), 180),
  });
  await evidence(manager, training, 'course', course?.id, ago(40), 'Attendance and evaluation, before and after, of the course built on this review.');
  const briefing = await action(0, manager, ago(240), {
    title: 'Publish and circulate a spotlight briefing on disguised compliance',
    ownerName: 'Ruth Evans, partnership business manager',
    dueOn: addDays(londonDate(ago(240)), 90),
  });
  await evidence(manager, briefing, 'readership', doc('briefing')?.id, ago(25), 'Who was asked to read the briefing and who confirmed it.');
  const trainingDone = course && doc('briefing');
  if (trainingDone) {
    await setStatus(db, manager, training, { status: 'complete' }, ago(39));
    await setStatus(db, manager, briefing, { status: 'complete' }, ago(24));
    await qualityAssure(db, chair, recs[0]!.id, { note: `Learning and Inquiry Group, ${formatDate(londonDate(ago(20)))}` }, ago(20));
    await signOffRecommendation(db, board, recs[0]!.id, { note: `HSCP Board, ${formatDate(londonDate(ago(10)))}` }, ago(10));
  }

  // 2. The SOP: written and published (complete); audited six months on, the audit still being taken through the subgroup.
  const sop = await action(1, manager, ago(230), {
    title: 'Write the high-risk alert SOP and publish it on the partnership’s page',
    ownerName: 'Helen Carter, designated nurse',
    organisationId: icb?.id,
    dueOn: addDays(londonDate(ago(230)), 60),
  });
  await evidence(designated, sop, 'document', doc('sop')?.current?.id, ago(200));
  if (doc('sop')) await setStatus(db, designated, sop, { status: 'complete' }, ago(199));
  const audit = await action(1, manager, ago(230), {
    title: 'Audit the SOP six months after implementation',
    ownerName: 'Helen Carter, designated nurse',
    organisationId: icb?.id,
    dueOn: day(45),
  });
  await evidence(designated, audit, 'audit_run', frozen?.id, now, 'Southampton’s audit, signed off; Hampshire’s and the Isle of Wight’s follow.');

  // 3. The guidelines: reviewed (complete); exploring how embedded they are is overdue after one revision.
  const guidelines = await action(2, manager, ago(180), {
    title: 'Review the Concealed Pregnancy Guidelines against the learning',
    ownerName: 'Ruth Evans, partnership business manager',
    dueOn: addDays(londonDate(ago(180)), 60),
  });
  await evidence(manager, guidelines, 'document', doc('guideline')?.current?.id, ago(130));
  if (doc('guideline')) await setStatus(db, manager, guidelines, { status: 'complete' }, ago(129));
  const embedded = await action(2, manager, ago(180), {
    title: 'Explore how embedded the guidelines are in practice (multi-agency case-file audit)',
    ownerName: 'Dr Amara Osei, Learning and Inquiry Group',
    dueOn: addDays(londonDate(ago(180)), 100),
  });
  await reviseDue(
    db,
    manager,
    embedded,
    { dueOn: day(-12), reason: 'Case-file audit moved to follow the protocol audit, so both look at the same cases.' },
    ago(75),
  );

  // 4. The protocol: version 1.1 in review across the four partnerships, due soon with no evidence yet.
  await action(3, manager, ago(60), {
    title: 'Publish Unborn Baby Protocol 1.1 with the four partnerships',
    ownerName: 'Ruth Evans, partnership business manager',
    dueOn: day(21),
  });

  await recordBoardReport(db, manager, hampshire.id, { presentedOn: londonDate(ago(60)) }, ago(60));
  return true;
}
