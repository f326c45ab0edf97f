import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUESTIONS } from './model';
import {
  decideBooking,
  decideCancellation,
  followUpDueAt,
  promotions,
  readAnswers,
  reminderRun,
  responseRate,
  type SessionFacts,
  summariseScale,
  suppress,
  withheldTogether,
  surveyReminderDue,
} from './rules';

const NOW = new Date('2027-03-01T09:00:00Z');
const days = (n: number) => new Date(NOW.getTime() + n * 86_400_000);
const session = (over: Partial<SessionFacts> = {}): SessionFacts => ({
  status: 'scheduled',
  startsAt: days(10),
  bookingCutoffAt: days(3),
  cancellationCutoffAt: days(5),
  capacity: 20,
  ...over,
});

describe('booking a place', () => {
  it('gives a place while places are left, then the waiting list', () => {
    expect(decideBooking(session(), 0, NOW)).toEqual({ ok: true, outcome: 'place' });
    expect(decideBooking(session(), 19, NOW)).toEqual({ ok: true, outcome: 'place' });
    expect(decideBooking(session(), 20, NOW)).toEqual({ ok: true, outcome: 'waiting' });
    expect(decideBooking(session({ capacity: 5 }), 7, NOW)).toEqual({ ok: true, outcome: 'waiting' });
  });
  it('refuses a cancelled session, a past one and one whose bookings have closed, saying which', () => {
    expect(decideBooking(session({ status: 'cancelled' }), 0, NOW)).toMatchObject({ ok: false, message: expect.stringContaining('cancelled') });
    expect(decideBooking(session({ startsAt: days(-1) }), 0, NOW)).toMatchObject({ ok: false, message: expect.stringContaining('already started') });
    expect(decideBooking(session({ bookingCutoffAt: days(-0.5) }), 0, NOW)).toMatchObject({ ok: false, message: expect.stringContaining('closed') });
    // Exactly at the cut-off bookings are closed.
    expect(decideBooking(session({ bookingCutoffAt: NOW }), 0, NOW).ok).toBe(false);
  });
  it('without a cut-off bookings close at the start; self-paced e-learning (no time) never closes', () => {
    expect(decideBooking(session({ bookingCutoffAt: null, startsAt: days(0.1) }), 0, NOW).ok).toBe(true);
    expect(decideBooking(session({ bookingCutoffAt: null, startsAt: null }), 0, NOW).ok).toBe(true);
  });
});

describe('cancelling', () => {
  it('a delegate cancels until the cancellation cut-off; after it only an administrator, recorded as late', () => {
    expect(decideCancellation(session(), NOW, false)).toEqual({ ok: true, late: false });
    const after = session({ cancellationCutoffAt: days(-1) });
    expect(decideCancellation(after, NOW, false)).toMatchObject({ ok: false, message: expect.stringContaining('cut-off has passed') });
    expect(decideCancellation(after, NOW, true)).toEqual({ ok: true, late: true });
  });
  it('without a cancellation cut-off the start is the cut-off', () => {
    expect(decideCancellation(session({ cancellationCutoffAt: null }), NOW, false)).toEqual({ ok: true, late: false });
    expect(decideCancellation(session({ cancellationCutoffAt: null, startsAt: days(-1) }), NOW, false).ok).toBe(false);
  });
});

describe('the waiting list', () => {
  const w = (id: string, minutes: number) => ({ id, waitingSince: new Date(NOW.getTime() - minutes * 60_000) });
  it('promotes the longest waiting first, as many as places are free', () => {
    const waiting = [w('c', 1), w('a', 30), w('b', 10)];
    expect(promotions(session({ capacity: 20 }), 19, waiting, NOW)).toEqual(['a']);
    expect(promotions(session({ capacity: 20 }), 18, waiting, NOW)).toEqual(['a', 'b']);
    expect(promotions(session({ capacity: 20 }), 10, waiting, NOW)).toEqual(['a', 'b', 'c']);
    expect(promotions(session({ capacity: 20 }), 20, waiting, NOW)).toEqual([]);
    // Capacity reduced below the places taken: nobody.
    expect(promotions(session({ capacity: 5 }), 8, waiting, NOW)).toEqual([]);
  });
  it('promotes nobody once bookings have closed, the session has started or it is cancelled', () => {
    const waiting = [w('a', 5)];
    expect(promotions(session({ bookingCutoffAt: days(-1) }), 0, waiting, NOW)).toEqual([]);
    expect(promotions(session({ startsAt: days(-1), bookingCutoffAt: null }), 0, waiting, NOW)).toEqual([]);
    expect(promotions(session({ status: 'cancelled' }), 0, waiting, NOW)).toEqual([]);
  });
  it('never fills beyond capacity, and keeps the order, whatever the list (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 60 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { maxLength: 50 }),
        (capacity, taken, minutes) => {
          const waiting = minutes.map((m, i) => w(`p${i}`, m));
          const out = promotions(session({ capacity }), taken, waiting, NOW);
          expect(taken + out.length).toBeLessThanOrEqual(Math.max(capacity, taken));
          expect(out.length).toBe(Math.min(waiting.length, Math.max(0, capacity - taken)));
          const since = out.map((id) => waiting.find((x) => x.id === id)!.waitingSince.getTime());
          expect([...since].sort((a, b) => a - b)).toEqual(since);
          // Nobody left waiting has waited longer than someone promoted.
          const left = waiting.filter((x) => !out.includes(x.id)).map((x) => x.waitingSince.getTime());
          if (since.length && left.length) expect(Math.min(...left)).toBeGreaterThanOrEqual(Math.max(...since));
        },
      ),
    );
  });
});

describe('reminders and follow-ups', () => {
  it('sends the nearest due reminder once and marks every due one', () => {
    expect(reminderRun(days(20), [14, 2], [], NOW)).toEqual({ mark: [], send: null });
    expect(reminderRun(days(13), [14, 2], [], NOW)).toEqual({ mark: [14], send: 14 });
    expect(reminderRun(days(13), [14, 2], [14], NOW)).toEqual({ mark: [], send: null });
    expect(reminderRun(days(1.5), [14, 2], [14], NOW)).toEqual({ mark: [2], send: 2 });
    // Booked three days before: the 14-day reminder is overtaken, only the 2-day one goes.
    expect(reminderRun(days(1.5), [14, 2], [], NOW)).toEqual({ mark: [14, 2], send: 2 });
    expect(reminderRun(days(-1), [14, 2], [], NOW)).toEqual({ mark: [], send: null });
    expect(reminderRun(null, [14, 2], [], NOW)).toEqual({ mark: [], send: null });
  });
  it('the follow-up is due weeks after the session; unanswered surveys are reminded weekly, twice, while open', () => {
    expect(followUpDueAt(NOW, 8).toISOString()).toBe(days(56).toISOString());
    const r = { sentAt: days(-8), closesAt: days(20), remindersSent: 0, lastRemindedAt: null, respondedAt: null };
    expect(surveyReminderDue(r, NOW)).toBe(true);
    expect(surveyReminderDue({ ...r, sentAt: days(-6) }, NOW)).toBe(false);
    expect(surveyReminderDue({ ...r, remindersSent: 1, lastRemindedAt: days(-3) }, NOW)).toBe(false);
    expect(surveyReminderDue({ ...r, remindersSent: 1, lastRemindedAt: days(-7) }, NOW)).toBe(true);
    expect(surveyReminderDue({ ...r, remindersSent: 2, lastRemindedAt: days(-30) }, NOW)).toBe(false);
    expect(surveyReminderDue({ ...r, respondedAt: days(-1) }, NOW)).toBe(false);
    expect(surveyReminderDue({ ...r, closesAt: days(-1) }, NOW)).toBe(false);
  });
});

describe('reading answers', () => {
  const questions = DEFAULT_QUESTIONS.follow_up;
  it('accepts a complete answer and stores choices as the options’ positions', () => {
    const r = readAnswers(questions, { considering_dc: 'I check what parents say against what we see', confidence_cfd: '4', used_in_practice: '0' });
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(r.answers).toEqual([
        { questionKey: 'considering_dc', valueNumber: null, valueText: 'I check what parents say against what we see', valueChoices: null },
        { questionKey: 'confidence_cfd', valueNumber: 4, valueText: null, valueChoices: null },
        { questionKey: 'used_in_practice', valueNumber: 0, valueText: null, valueChoices: null },
      ]);
  });
  it('names every missing required answer, a number off the scale, an unknown option and an unknown question', () => {
    const r = readAnswers(questions, { confidence_cfd: '6', used_in_practice: '9', made_up: 'x' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems.considering_dc).toContain('Answer “How are you now considering disguised compliance');
      expect(r.problems.confidence_cfd).toContain('1 to 5');
      expect(r.problems.used_in_practice).toContain('Choose from the answers listed');
      expect(r.problems.made_up).toBe('This survey has no such question');
      expect(r.problems.example).toBeUndefined();
    }
    for (const bad of ['0', '2.5', 'four', '-1'])
      expect(readAnswers(questions, { considering_dc: 'x', used_in_practice: '0', confidence_cfd: bad }).ok).toBe(false);
  });
  it('multiple choice keeps each option once, in order', () => {
    const q = [{ key: 'topics', type: 'multiple' as const, text: 'Which?', required: true, options: ['A', 'B', 'C'] }];
    const r = readAnswers(q, { topics: ['2', '0', '2'] });
    expect(r.ok && r.answers[0]!.valueChoices).toEqual([0, 2]);
    expect(readAnswers(q, { topics: ['3'] }).ok).toBe(false);
  });
});

describe('small groups are never shown', () => {
  it('withholds enough of a breakdown that no withheld group can be worked out from the total', () => {
    // One practitioner among five clinicians: showing the five would give her answer by subtraction.
    expect(withheldTogether([5, 1])).toEqual([true, true]);
    // The smallest shown group goes first, until the withheld add up to five.
    expect(withheldTogether([9, 6, 2, 0])).toEqual([false, true, true, false]);
    expect(withheldTogether([3, 3, 8])).toEqual([true, true, false]);
    expect(withheldTogether([7, 5, 0])).toEqual([false, false, false]);
    expect(withheldTogether([4])).toEqual([true]);
  });
  it('suppresses a count from 1 to 4; zero and five or more are shown', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => suppress(n))).toEqual([0, null, null, null, null, 5, 6]);
  });
  it('withholds the mean and distribution of fewer than five answers', () => {
    expect(summariseScale([5, 4, 4, 3])).toEqual({ n: 4, mean: null, distribution: null, suppressed: true });
    expect(summariseScale([5, 4, 4, 3, 1])).toEqual({ n: 5, mean: 3.4, distribution: [1, 0, 1, 2, 1], suppressed: false });
    expect(summariseScale([])).toEqual({ n: 0, mean: null, distribution: [0, 0, 0, 0, 0], suppressed: false });
  });
  it('any filter of a group: a shown figure always stands for five or more people (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 30 }), (values) => {
        const s = summariseScale(values);
        if (s.mean !== null) expect(values.length).toBeGreaterThanOrEqual(5);
        if (s.distribution) expect(s.distribution.reduce((a, b) => a + b, 0)).toBe(values.length);
      }),
    );
  });
  it('response rates in whole per cent', () => {
    expect(responseRate(3, 4)).toBe(75);
    expect(responseRate(0, 0)).toBeNull();
  });
});
