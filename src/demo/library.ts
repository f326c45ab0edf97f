/**
 * The library demo, made through the library's own services (so it is what real use leaves behind): the
 * four documents the seed's responses promise, written here in plain English — the high-risk alert SOP
 * (reviewed every six months, now overdue), the Concealed Pregnancy Guidelines (a second major version),
 * the Unborn Baby Protocol shared by Hampshire, Isle of Wight, Portsmouth and Southampton (version 1.1 in
 * review, with a reviewer's comment; Hampshire's protocol configuration records the version it implements) and a spotlight briefing on disguised compliance with a knowledge check,
 * circulated a month ago to everyone in the four partnerships, with realistic part-readership across
 * agencies, reminders sent and two team discussions. The same seed gives the same data.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { users } from '../platform/auth/schema';
import { contextForEmail } from '../people/service';
import { libraryDocuments, libraryReads } from '../library/schema';
import { approveVersion, commentOn, createDocument, publishVersion, sendForReview, startVersion, updateDraft } from '../library/documents';
import { acknowledge, circulate, openTask, recordDiscussion } from '../library/circulation';
import { sendReadReminders } from '../library/notify';
import { configurationToEdit, saveProtocolVersion } from '../cases/protocols/service';
import { londonDate, addDays } from '../platform/dates';
import { Rng } from './rng';

const DAY = 86_400_000;

const SOP = `# Purpose

This procedure says how health services in Hampshire and the Isle of Wight raise, approve, share and act on a high-risk alert about an unborn or newborn baby. It follows the partnership review of Baby H, where a mother who concealed her pregnancy presented to a hospital that did not know of the concerns.

# When to raise an alert

Raise an alert when there are serious concerns for an unborn baby and the mother may present to a health service that does not know her: a concealed or denied pregnancy, a history of moving away from services, or a care plan that says the baby must not be discharged without a plan.

# What to include

- Every detail that identifies her: names she has used, dates of birth, addresses, NHS number where known.
- A photograph, or the reason there is none.
- The due date, and what the receiving service must do if she presents.
- Why the alert goes where it goes (the areas she is known to use).

# Approval and distribution

A designated or named professional who did not raise the alert approves it. It is then sent to every maternity unit and emergency department in the areas chosen. Each unit acknowledges it within four hours if urgent, otherwise within 24 hours.

# When she presents

Check for an alert at every booking and every unplanned attendance, even when she gives other details. If there is a match, tell the originator at once through Beacon and follow the alert's instructions.

# Review and stand-down

The originator reviews the alert by its review date and stands it down, with the reason, when it is no longer needed. Every unit that had it is told.`;

const GUIDELINES_V1 = `# Concealed and denied pregnancy

A concealed pregnancy is one where the woman knows she is pregnant but does not tell anyone, or tells only some people. A denied pregnancy is one where she is not aware of it, or does not accept it.

# Why it matters

Concealment means no antenatal care, so risks to mother and baby are not found. Some women conceal a pregnancy because they fear the baby will be removed.

# What to do

- If you suspect a concealed pregnancy, talk to her in private and with an interpreter if needed.
- Share your concern with your safeguarding lead the same day.
- Make a referral to children's social care when there are concerns for the unborn baby.`;

const GUIDELINES_V2 = `# Concealed and denied pregnancy

A concealed pregnancy is one where the woman knows she is pregnant but does not tell anyone, or tells only some people. A denied pregnancy is one where she is not aware of it, or does not accept it.

# Why it matters

Concealment means no antenatal care, so risks to mother and baby are not found. Some women conceal a pregnancy because they fear the baby will be removed. A woman who has concealed one pregnancy may conceal the next.

# What to do

- If you suspect a concealed pregnancy, talk to her in private and with an interpreter if needed.
- Share your concern with your safeguarding lead the same day.
- Make a referral to children's social care when there are concerns for the unborn baby.
- Open a concealed pregnancy case in Beacon, so every agency sees the same chronology.
- Where she is known to move between areas, ask the safeguarding team to raise a high-risk alert.

# A late booking

Treat a booking after 20 weeks as a possible concealed pregnancy until you know otherwise. Ask why she has booked late, and record what she says and what you see.`;

const UBP_V1 = `# The Unborn Baby Protocol

This protocol is shared by the safeguarding partnerships of Hampshire, the Isle of Wight, Portsmouth and Southampton. It sets out how agencies work together when there are concerns for a baby before birth.

# Referral

Any professional with concerns for an unborn baby refers to children's social care as early as possible, and by 20 weeks of pregnancy where the concerns are known.

# Pre-birth assessment

Children's social care completes a pre-birth assessment by 30 weeks. A strategy discussion is held where the threshold is met.

# Birth plan

A multi-agency birth plan is agreed by 34 weeks and shared with the maternity unit where she is booked and every unit she may present to.

# Discharge

No baby subject to the protocol is discharged without a discharge planning meeting, unless the plan says otherwise. Toxicology results are known before the discharge decision.`;

const UBP_V11 = UBP_V1.replace(
  'A multi-agency birth plan is agreed by 34 weeks and shared with the maternity unit where she is booked and every unit she may present to.',
  'A multi-agency birth plan is agreed by 34 weeks. It is shared through Beacon with the maternity unit where she is booked and with every unit she may present to, and each unit confirms it has received it.',
);

const BRIEFING = `# Disguised compliance: a seven-minute briefing

## 1. What it is

Disguised compliance is when parents appear to co-operate with professionals to allay concerns and stop their involvement, while nothing really changes for the child.

## 2. Why it matters

Case reviews, including the review of Baby H, found professionals were reassured by what they were told rather than what they saw. Appointments were kept when it suited the family and missed when it mattered.

## 3. What to look for

- Agreed actions not done, with plausible reasons each time.
- Engagement with some professionals and not others.
- Progress reported but not seen.

## 4. What to do

Focus on the baby. Test what you are told against what you see and what other agencies know. Record both. Share information, and escalate if concerns are not resolved.

## 5. Questions for your team

- When did we last check what we were told?
- Would we know if she moved?`;

const QUESTIONS = [
  {
    text: 'What is disguised compliance?',
    options: ['Parents refusing all contact', 'Parents appearing to co-operate while nothing changes for the child', 'A parent moving to another area'],
    correct: 1,
  },
  {
    text: 'What should you test what you are told against?',
    options: ['What you see and what other agencies know', 'What the parent said last time', 'Nothing: trust the parent'],
    correct: 0,
  },
  { text: 'If concerns are not resolved, you should…', options: ['Wait for the next review', 'Close the case', 'Share information and escalate'], correct: 2 },
];

/** Make the library demo once (nothing when any document exists). Returns the number of documents made. */
export async function seedDemoLibrary(db: Db, opts: { now?: Date } = {}): Promise<number> {
  const [any] = await db.select({ id: libraryDocuments.id }).from(libraryDocuments).limit(1);
  if (any) return 0;
  const now = opts.now ?? new Date();
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const day = (days: number) => addDays(londonDate(now), -days);
  const ctx = (email: string) => contextForEmail(db, email, 'seed-demo-library');
  const manager = await ctx('partnership@beacon.example');
  const designated = await ctx('designated@beacon.example');
  const reviewers = ['midwife@beacon.example', 'designated@beacon.example'];

  /** A document from its first draft to publication, at a given time in the past. */
  async function publish(versionId: string, author: typeof manager, when: Date, summary: string, body: string, questions: unknown[] = []) {
    await updateDraft(db, author, versionId, { body, changeSummary: summary, reviewers, questions });
    await sendForReview(db, author, versionId);
    await approveVersion(db, manager, versionId, {
      group: 'HSCP Policy and Procedures Subgroup',
      meeting: `Meeting of ${londonDate(when)}`,
      approvedOn: londonDate(when),
    });
    await publishVersion(db, author, versionId, {}, when);
  }
  const shared = ['E06000044', 'E06000045', 'E06000046'];

  // 1. The high-risk alert SOP: six-monthly review, published seven months ago (its review is overdue).
  const sop = await createDocument(db, designated, {
    kind: 'sop',
    title: 'High-risk alerts for unborn and newborn babies: standard operating procedure',
    summary: 'How health services raise, approve, share and act on a high-risk alert about an unborn or newborn baby, including when she gives other details.',
    reviewMonths: 6,
    topics: ['high_risk_alerts'],
    partnership: 'E10000014',
    sharedWith: shared,
    body: SOP,
  });
  await publish(sop.versionId, designated, ago(213), 'First version, following the partnership review of Baby H.', SOP);

  // 2. The Concealed Pregnancy Guidelines: version 1 a year ago, version 2 (a change of practice) two months ago.
  const guidelines = await createDocument(db, manager, {
    kind: 'guideline',
    title: 'Concealed and denied pregnancy guidelines',
    summary: 'What every practitioner does when they suspect a pregnancy is concealed or denied, or a booking is late.',
    reviewMonths: 12,
    topics: ['concealed_pregnancy'],
    partnership: 'E10000014',
    sharedWith: [],
    body: GUIDELINES_V1,
  });
  await publish(guidelines.versionId, manager, ago(330), 'First version.', GUIDELINES_V1);
  const g2 = await startVersion(db, manager, guidelines.id, { change: 'major' });
  await publish(
    g2.id,
    manager,
    ago(60),
    'Opening a case in Beacon and raising an alert are now part of the guidelines; a late booking is treated as possibly concealed.',
    GUIDELINES_V2,
  );

  // 3. The Unborn Baby Protocol, shared by four partnerships: 1.0 in force, 1.1 in review with a comment.
  const ubp = await createDocument(db, manager, {
    kind: 'protocol',
    title: 'Unborn Baby Protocol (Hampshire, Isle of Wight, Portsmouth and Southampton)',
    summary: 'How agencies work together before birth when there are concerns for an unborn baby: referral, pre-birth assessment, birth plan and discharge.',
    reviewMonths: 12,
    topics: ['unborn_baby_protocol'],
    partnership: 'E10000014',
    sharedWith: shared,
    body: UBP_V1,
  });
  await publish(ubp.versionId, manager, ago(200), 'First version of the shared protocol.', UBP_V1);
  // Hampshire's protocol configuration records the protocol version it implements (the timings stay the national default's).
  const inForce = await configurationToEdit(db, manager, 'milestones', 'E10000014');
  await saveProtocolVersion(db, manager, 'milestones', 'E10000014', {
    definition: inForce.inForce.definition,
    changeReason: 'Hampshire’s own version: implements the Unborn Baby Protocol 1.0 (the same timings as the national default)',
    libraryVersionId: ubp.versionId,
  });
  const u11 = await startVersion(db, manager, ubp.id, { change: 'minor' });
  await updateDraft(db, manager, u11.id, { body: UBP_V11, changeSummary: 'The birth plan is shared through Beacon and each unit confirms it.', reviewers });
  await sendForReview(db, manager, u11.id);
  await commentOn(db, await ctx('midwife@beacon.example'), u11.id, {
    text: 'Please say who on the unit confirms receipt: the unit coordinator, or the midwife in charge out of hours.',
  });

  // 4. The spotlight briefing on disguised compliance, with a knowledge check, circulated a month ago to everyone.
  const briefing = await createDocument(db, manager, {
    kind: 'briefing',
    title: 'Spotlight briefing: disguised compliance',
    summary: 'A seven-minute briefing for team meetings: what disguised compliance is, what to look for and what to do.',
    reviewMonths: 12,
    topics: ['disguised_compliance', 'closure', 'flight'],
    partnership: 'E10000014',
    sharedWith: shared,
    body: BRIEFING,
  });
  await publish(briefing.versionId, manager, ago(35), 'First version, from the learning of the Baby H review.', BRIEFING, QUESTIONS);
  await circulate(db, manager, briefing.versionId, { everyone: true, reminderDays: '7, 14' }, ago(30));

  // Part-readership: about six in ten confirm over the month (most in the first week), a few more open it without confirming.
  const rng = new Rng(21);
  const reads = await db
    .select({ id: libraryReads.id, userId: libraryReads.userId, role: libraryReads.role })
    .from(libraryReads)
    .where(eq(libraryReads.versionId, briefing.versionId));
  const emails = new Map((await db.select({ id: users.id, email: users.email }).from(users)).map((u) => [u.id, u.email]));
  for (const r of reads.sort((a, b) => (emails.get(a.userId) ?? '').localeCompare(emails.get(b.userId) ?? ''))) {
    const email = emails.get(r.userId);
    if (!email || email === 'midwife@beacon.example' || email === 'social.worker@beacon.example') continue; // left to read in the demo
    const chance = r.role === 'social_worker' ? 0.45 : r.role === 'point_of_care' ? 0.6 : 0.75;
    const roll = rng.next();
    const after = Math.floor(rng.next() * rng.next() * 26) + 1;
    if (roll < chance) {
      const person = await ctx(email);
      const answers = QUESTIONS.map((q) => (rng.next() < 0.82 ? q.correct : (q.correct + 1) % q.options.length));
      await openTask(db, person, r.id, ago(30 - after));
      await acknowledge(db, person, r.id, { confirm: true, answers }, ago(30 - after));
    } else if (roll < chance + 0.12) await openTask(db, await ctx(email), r.id, ago(30 - after));
  }
  await sendReadReminders(db, ago(23));
  await sendReadReminders(db, ago(16));
  await recordDiscussion(db, await ctx('midwife@beacon.example'), briefing.versionId, {
    team: 'Safeguarding midwifery team',
    heldOn: day(20),
    present: 9,
    notes: 'Discussed two current cases against the "what to look for" list; agreed to check reported progress with health visiting.',
  });
  await recordDiscussion(db, await ctx('social.worker@beacon.example'), briefing.versionId, {
    team: 'Southampton pre-birth assessment team',
    heldOn: day(12),
    present: 7,
  });
  return 4;
}
