/**
 * The learning demo, made through the learning services themselves (so it is what real use leaves
 * behind): three courses of the Hampshire partnership with past and future sessions, synthetic delegates
 * from every agency, bookings, a waiting list, a booking waiting for a manager's approval, registers,
 * and a few hundred evaluation answers before, at the end of and weeks after the sessions, so the results
 * page shows the change in confidence. Synthetic people only; the same seed gives the same data.
 */
import type { Db } from '../platform/db/engine';
import { systemContext, type RequestContext, type Role } from '../platform/context';
import { organisations } from '../directory/schema';
import { createUser } from '../people/service';
import { contextForEmail } from '../people/service';
import { learningCourses } from '../learning/schema';
import { createCourse, createSession } from '../learning/catalogue';
import { bookPlace, setLineManager } from '../learning/booking';
import { markRegister } from '../learning/attendance';
import { submitEvaluation } from '../learning/surveys';
import { sendFollowUps } from '../learning/notify';
import { CONFIDENCE_KEY } from '../learning/model';
import { createRound, importHeadcounts, recordFinding } from '../learning/needs';
import { SEED_BRIEF } from '../learning/needs-model';
import { DEMO_LEARNING_PEOPLE } from './directory-data';
import { createDemoPeople } from './seed';
import { Rng } from './rng';

const DAY = 86_400_000;
const FIRST = [
  'Amira',
  'Ben',
  'Chloe',
  'Dev',
  'Ella',
  'Femi',
  'Gwen',
  'Harry',
  'Isla',
  'Jonah',
  'Kiran',
  'Lena',
  'Mo',
  'Nina',
  'Owen',
  'Pia',
  'Rhys',
  'Sara',
  'Theo',
  'Una',
];
const LAST = ['Ahmed', 'Brooks', 'Clarke', 'Davies', 'Evans', 'Fraser', 'Gill', 'Hart', 'Iqbal', 'Jones', 'Khan', 'Lewis', 'Moss', 'Nolan', 'Owusu', 'Patel'];
/** Where the synthetic delegates work, and as what. */
const POSTS: { ods: string; role: Role; title: string }[] = [
  { ods: 'RHM', role: 'point_of_care', title: 'Community midwife' },
  { ods: 'RHM', role: 'safeguarding_practitioner', title: 'Safeguarding midwife' },
  { ods: 'RHU', role: 'point_of_care', title: 'Emergency department nurse' },
  { ods: 'RHU', role: 'point_of_care', title: 'Midwife' },
  { ods: 'R1C', role: 'point_of_care', title: 'Health visitor' },
  { ods: '852', role: 'social_worker', title: 'Social worker' },
  { ods: '850', role: 'social_worker', title: 'Social worker' },
  { ods: 'RN5', role: 'point_of_care', title: 'Midwife' },
];

const at = (now: Date, days: number, hour = 9, minute = 30) => {
  const d = new Date(now.getTime() + days * DAY);
  d.setUTCHours(hour, minute, 0, 0);
  return d.toISOString();
};

export async function seedDemoLearning(db: Db, opts: { password: string; now?: Date }): Promise<number> {
  const [any] = await db.select({ id: learningCourses.id }).from(learningCourses).limit(1);
  if (any) return 0;
  const now = opts.now ?? new Date();
  const rng = new Rng(13);
  await createDemoPeople(db, DEMO_LEARNING_PEOPLE, opts.password);
  const ctx = (email: string) => contextForEmail(db, email, 'seed-demo-learning');
  const admin = await ctx('training@beacon.example');
  const midwife = await ctx('midwife@beacon.example');
  await setLineManager(db, midwife, { managerEmail: 'manager@beacon.example' });

  // Synthetic delegates (no password: they never sign in).
  const orgs = new Map((await db.select({ id: organisations.id, ods: organisations.odsCode }).from(organisations)).map((o) => [o.ods, o.id]));
  const delegates: string[] = [];
  for (let i = 0; i < 60; i++) {
    const post = POSTS[i % POSTS.length]!;
    const email = `delegate${String(i + 1).padStart(2, '0')}@beacon.example`;
    await createUser(db, systemContext('seed-demo-learning'), {
      email,
      displayName: `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`,
      jobTitle: post.title,
      organisationId: orgs.get(post.ods)!,
      role: post.role,
      unitId: '',
    });
    delegates.push(email);
  }

  const disguised = await createCourse(db, admin, {
    title: 'Closure, flight and disguised compliance: recognising and responding',
    summary:
      'Multi-agency training on parents who close down contact, move away or appear to co-operate while nothing changes. Built on the learning from the Baby H partnership review: what professionals saw, what they were told, and how to test what they are told against what they see.',
    outcomes:
      'Recognise closure, flight and disguised compliance (Reder and Duncan 1999)\nTest what parents say against what is seen and recorded\nShare information with other agencies and escalate when concerns are not resolved\nUse Beacon’s high-risk alerts and the unborn baby protocol',
    topics: ['closure', 'flight', 'disguised_compliance', 'concealed_pregnancy', 'escalation'],
    audienceAgencies: ['health', 'local_authority', 'police', 'education', 'voluntary'],
    audienceRoles: 'Practitioners working with pregnant women, babies and their families',
    format: 'in_person',
    durationMinutes: 210,
    funded: 'yes',
    approvalRequired: 'yes',
    followUpWeeks: 8,
    followUpAskManager: 'yes',
  });
  const concealed = await createCourse(db, admin, {
    title: 'Concealed and denied pregnancy, and the unborn baby protocol',
    summary:
      'Live online session on concealed and denied pregnancy, late booking, and what the unborn baby protocol asks of each agency, from pre-birth assessment to discharge planning.',
    outcomes:
      'Know the signs of a concealed or denied pregnancy\nKnow each agency’s part in the unborn baby protocol\nPlan a safe discharge with the birth plan',
    topics: ['concealed_pregnancy', 'unborn_baby_protocol', 'disguised_compliance'],
    audienceAgencies: ['health', 'local_authority'],
    format: 'live_online',
    durationMinutes: 120,
    funded: 'yes',
    approvalRequired: 'no',
    followUpWeeks: 8,
  });
  const alerts = await createCourse(db, admin, {
    title: 'High-risk alerts in Beacon: raising, receiving and checking',
    summary:
      'Self-paced e-learning on raising a high-risk alert, receiving one on a unit, and checking for an alert at the point of care, including when a woman gives false details.',
    outcomes: 'Raise an alert with everything that identifies her\nAcknowledge an alert on your unit\nCheck for an alert and act on a match',
    topics: ['high_risk_alerts'],
    audienceAgencies: ['health'],
    format: 'e_learning',
    durationMinutes: 45,
    funded: 'yes',
    approvalRequired: 'no',
    elearningUrl: 'https://learning.beacon.example/high-risk-alerts',
    followUpWeeks: 8,
  });

  const trainer = 'trainer@beacon.example';
  const s = async (courseId: string, days: number, hours: number, capacity: number, extra: Record<string, unknown> = {}) =>
    (
      await createSession(db, admin, courseId, {
        startsAt: at(now, days),
        endsAt: new Date(Date.parse(at(now, days)) + hours * 3_600_000).toISOString(),
        capacity: String(capacity),
        bookingCutoffAt: at(now, days - 2, 17, 0),
        cancellationCutoffAt: at(now, days - 3, 17, 0),
        trainerEmails: trainer,
        ...extra,
      })
    ).id;
  const venue = { venue: 'Civic Centre, Southampton SO14 7LY, Committee Room 2' };
  const online = { joiningLink: 'https://meet.beacon.example/concealed-pregnancy' };
  const past1 = await s(disguised.id, -140, 3.5, 30, venue);
  const past2 = await s(disguised.id, -70, 3.5, 25, venue);
  const next1 = await s(disguised.id, 21, 3.5, 20, venue);
  const next2 = await s(disguised.id, 42, 3.5, 8, venue);
  const pastOnline = await s(concealed.id, -57, 2, 40, online);
  const nextOnline = await s(concealed.id, 28, 2, 40, online);
  await createSession(db, admin, alerts.id, { capacity: '500', trainerEmails: trainer });

  const conf = (base: number) => String(Math.max(1, Math.min(5, Math.round(base + (rng.next() - 0.5) * 2))));
  let answered = 0;
  /** A past session: booked weeks before, register marked, evaluations answered by most. */
  async function pastSession(sessionId: string, startDays: number, people: string[], course: 'disguised' | 'concealed') {
    const bookedAt = new Date(now.getTime() + (startDays - 21) * DAY);
    const ids: { email: string; id: string }[] = [];
    for (const email of people) ids.push({ email, id: (await bookPlace(db, admin, sessionId, { email }, bookedAt)).id });
    for (const { email, id } of ids)
      if (rng.chance(0.75)) {
        const d = await ctx(email);
        await submitEvaluation(
          db,
          d,
          id,
          'baseline',
          { [CONFIDENCE_KEY]: conf(2.3), hopes: rng.chance(0.3) ? 'How to challenge a parent who says all the right things' : '' },
          new Date(bookedAt.getTime() + DAY),
        );
        answered += 2;
      }
    const marks: Record<string, string> = {};
    for (const [i, { id }] of ids.entries()) marks[`attendance.${id}`] = i % 11 === 5 ? 'did_not_attend' : i % 13 === 7 ? 'left_early' : 'attended';
    // The register is marked after the session ends (sessions start at 09:30, whatever the time of day now is).
    const endOf = new Date(Date.parse(at(now, startDays)) + 4 * 3_600_000);
    await markRegister(db, await ctx(trainer), sessionId, marks, endOf);
    const changes = [
      'I will check what parents tell me against what I see and what other agencies know',
      'Ask for the GP and midwife records before accepting a new address',
      'Escalate sooner when appointments keep being missed',
      'Record what I see, not only what I am told',
      'Talk to the safeguarding team when a family moves between areas',
    ];
    for (const { email, id } of ids.filter((x) => marks[`attendance.${x.id}`] !== 'did_not_attend'))
      if (rng.chance(0.85)) {
        await submitEvaluation(
          db,
          await ctx(email),
          id,
          'immediate',
          { session_rating: String(rng.chance(0.7) ? 5 : 4), [CONFIDENCE_KEY]: conf(course === 'disguised' ? 4 : 3.8), will_change: rng.pick(changes) },
          new Date(endOf.getTime() + 3_600_000),
        );
        answered += 3;
      }
    return { ids, marks };
  }
  const pick = (from: number, n: number) => delegates.slice(from, from + n);
  const p1 = await pastSession(past1, -140, pick(0, 24), 'disguised');
  const p2 = await pastSession(past2, -70, pick(24, 20), 'disguised');
  await pastSession(pastOnline, -57, pick(44, 16), 'concealed');

  // Follow-ups: sent eight weeks after each session by the scheduled job (run here as it would have run then).
  const examples = [
    'A mother said she had moved in with her sister; I checked with the health visitor and the address was not known there. I escalated to the safeguarding team the same day.',
    'Parents attended every appointment but the home conditions never changed. I raised it at the core group rather than accepting the reassurance.',
    'I now ask to see the baby’s sleeping space at each visit rather than being told about it.',
    'A couple cancelled three visits in a row with different reasons. I recognised it as possible closure and spoke to the social worker.',
  ];
  // The maternity matron is the line manager of the Southampton delegates: she is asked with their follow-ups.
  const managed = delegates.filter((_, i) => POSTS[i % POSTS.length]!.ods === 'RHM');
  for (const email of managed) await setLineManager(db, await ctx(email), { managerEmail: 'manager@beacon.example' });
  const matron = await ctx('manager@beacon.example');
  const seen = [
    'She now checks what she is told with the health visitor before accepting it',
    'He raised a concern at the core group instead of accepting reassurance',
    '',
  ];
  for (const [sessionId, run, weeksAgo] of [
    [past1, p1, 140 / 7 - 8],
    [past2, p2, 70 / 7 - 8],
  ] as const) {
    const sentAt = new Date(now.getTime() - weeksAgo * 7 * DAY + DAY);
    await sendFollowUps(db, sentAt);
    for (const { email, id } of run.ids.filter((x) => run.marks[`attendance.${x.id}`] !== 'did_not_attend'))
      if (rng.chance(0.6)) {
        await submitEvaluation(
          db,
          await ctx(email),
          id,
          'follow_up',
          {
            considering_dc: rng.pick([
              'I test what I am told against what I see, and I write down both',
              'I think about whether engagement is real or only on the surface, and I ask other agencies',
              'I am more likely to challenge and to escalate when nothing changes',
            ]),
            example: rng.chance(0.5) ? rng.pick(examples) : '',
            [CONFIDENCE_KEY]: conf(3.7),
            used_in_practice: rng.chance(0.75) ? '0' : '1',
          },
          new Date(sentAt.getTime() + 3 * DAY),
        );
        answered += 4;
      }
    for (const { id } of run.ids.filter((x) => managed.includes(x.email) && run.marks[`attendance.${x.id}`] !== 'did_not_attend'))
      if (rng.chance(0.8)) {
        await submitEvaluation(
          db,
          matron,
          id,
          'manager_follow_up',
          { seen_in_practice: String(rng.pick([0, 0, 1, 2])), manager_example: rng.pick(seen) },
          new Date(sentAt.getTime() + 5 * DAY),
        );
        answered += 2;
      }
    void sessionId;
  }

  // The future: the next session filling up, the midwife's booking waiting for her manager, a full one with a waiting list.
  for (const email of pick(0, 11)) await bookPlace(db, admin, next1, { email });
  await bookPlace(db, midwife, next1, {});
  for (const email of pick(20, 11)) await bookPlace(db, admin, next2, { email });
  for (const email of pick(40, 6)) await bookPlace(db, admin, nextOnline, { email });
  await bookPlace(db, midwife, nextOnline, {});

  // A fourth course that does not yet cover disguised compliance: the needs analysis finds the gap.
  const toxicology = await createCourse(db, admin, {
    title: 'Toxicology and substance use in pregnancy',
    summary: 'Half-day session on substance use in pregnancy, toxicology testing and what results mean for discharge planning.',
    outcomes: 'Know when toxicology is requested and by whom\nRead a toxicology result with the discharge gate in mind',
    topics: ['toxicology_substance_use', 'unborn_baby_protocol'],
    audienceAgencies: ['health', 'local_authority'],
    format: 'in_person',
    durationMinutes: 180,
    funded: 'yes',
    approvalRequired: 'no',
    followUpWeeks: 8,
  });
  await s(toxicology.id, 35, 3, 24, venue);
  await seedDemoNeeds(db, admin, now, { disguised: disguised.id, concealed: concealed.id, alerts: alerts.id, toxicology: toxicology.id });
  return answered;
}

/**
 * The learning needs analysis as the workforce development group leaves it mid-way: a round reviewing
 * every course against disguised compliance (the seed's words), owned by the partnership manager, three
 * courses reviewed and one to go; and headcounts imported for the organisations whose workforce Beacon
 * undercounts.
 */
async function seedDemoNeeds(db: Db, admin: RequestContext, now: Date, courses: Record<'disguised' | 'concealed' | 'alerts' | 'toxicology', string>) {
  const { id } = await createRound(
    db,
    admin,
    {
      title: 'Disguised compliance across the training offer',
      topic: 'disguised_compliance',
      brief: SEED_BRIEF,
      ownerEmail: 'partnership@beacon.example',
      dueOn: new Date(now.getTime() + 42 * DAY).toISOString().slice(0, 10),
    },
    now,
  );
  await recordFinding(db, admin, id, courses.disguised, {
    coverage: 'covered',
    evidence: 'The whole course: Reder and Duncan’s model, the Baby H case study, testing what parents say against what is seen',
  });
  await recordFinding(db, admin, id, courses.concealed, {
    coverage: 'partly',
    evidence: 'Mentioned in the late-booking section, with no case study or practice of challenge',
    action: 'Add the disguised compliance case study and a ten-minute practice conversation; the trainer, before the next session',
  });
  await recordFinding(db, admin, id, courses.alerts, {
    coverage: 'not_covered',
    evidence: 'The e-learning covers the mechanics of alerts only',
    action: 'Add a page on when a woman gives false details and why that can be flight; the training team, by the end of the quarter',
  });
  await importHeadcounts(db, admin, 'ods_code,role,headcount\n850,social_worker,140\nRN5,point_of_care,420\nRW1,point_of_care,160\n');
}
