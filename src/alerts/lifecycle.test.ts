import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../platform/context';
import {
  ALERT_EVENTS,
  ALERT_STATUSES,
  type AlertEvent,
  type AlertEventType,
  type AlertState,
  type AlertStatus,
  allowedEvents,
  DEFAULT_LIFECYCLE_CONFIG,
  type LifecycleActor,
  makesNewVersion,
  maxRenewalDate,
  type PersonActor,
  STAND_DOWN_OUTCOMES,
  transition,
} from './lifecycle';
import { addDays, londonDate } from './pregnancy';

// 10:00 on 1 March 2026 in England.
const NOW = new Date('2026-03-01T10:00:00Z');
const FUTURE_REVIEW = '2026-04-01';
const PAST_REVIEW = '2026-02-01';
const LONG_AGO = new Date('2025-01-01T10:00:00Z');

const person = (userId: string, role: PersonActor['role'], organisationId: string): PersonActor => ({ userId, role, organisationId });
const ORIGINATOR = person('u-originator', 'safeguarding_practitioner', 'org-a');
const ACTORS = {
  originator: ORIGINATOR,
  /** Another safeguarding practitioner in the originator's organisation. */
  colleague: person('u-colleague', 'safeguarding_practitioner', 'org-a'),
  /** A designated professional in the originator's organisation. */
  orgDesignated: person('u-org-dp', 'designated_professional', 'org-a'),
  /** A social worker in the originator's organisation who did not raise it. */
  orgSocialWorker: person('u-org-sw', 'social_worker', 'org-a'),
  /** A designated professional in another organisation: the usual approver. */
  approver: person('u-approver', 'designated_professional', 'org-b'),
  /** A safeguarding practitioner in another organisation. */
  otherPractitioner: person('u-other', 'safeguarding_practitioner', 'org-b'),
  pointOfCare: person('u-poc', 'point_of_care', 'org-a'),
  system: { system: true },
} as const satisfies Record<string, LifecycleActor>;
type ActorName = keyof typeof ACTORS;
const ACTOR_COLUMNS = Object.keys(ACTORS) as ActorName[];

function state(status: AlertStatus, overrides: Partial<AlertState> = {}): AlertState {
  const closed = status === 'stood_down' || status === 'cancelled' || status === 'expired' || status === 'archived';
  return {
    status,
    originatorUserId: ORIGINATOR.userId,
    originatorOrganisationId: ORIGINATOR.organisationId,
    version: 3,
    reviewDate: FUTURE_REVIEW,
    closedAt: closed ? LONG_AGO : null,
    ...overrides,
  };
}

/** A complete, acceptable request for each event, so that the table tests who, when and from where only. */
const VALID_EVENT: Record<AlertEventType, AlertEvent> = {
  submit: { type: 'submit' },
  return: { type: 'return', comments: 'Add her previous address in Portsmouth.' },
  approve: { type: 'approve' },
  update: { type: 'update', reason: 'New mobile number from her sister.' },
  renew: { type: 'renew', reviewDate: '2026-05-01', reason: 'Still not found; weekly review continues.' },
  stand_down: { type: 'stand_down', outcome: 'found_safe' },
  cancel: { type: 'cancel', reason: 'Raised in error: wrong woman.' },
  expire: { type: 'expire' },
  archive: { type: 'archive' },
};

/** Only expiry needs a review date that has passed; everything else is judged with one still ahead. */
const stateFor = (status: AlertStatus, event: AlertEventType) => state(status, { reviewDate: event === 'expire' ? PAST_REVIEW : FUTURE_REVIEW });

// ── The whole machine, literally ───────────────────────────────────────────────────────────────────
// Each row: from-status, event, then the resulting status for each actor in ACTOR_COLUMNS order, or '-' when refused.
const _ = '-';
type Cell = AlertStatus | typeof _;
const TABLE: [AlertStatus, AlertEventType, Cell[]][] = [
  //                              originator     colleague      orgDesignated  orgSocialWorker approver    otherPract  pointOfCare  system
  ['draft', 'submit', ['submitted', _, _, _, _, _, _, _]],
  ['draft', 'return', [_, _, _, _, _, _, _, _]],
  ['draft', 'approve', [_, _, _, _, _, _, _, _]],
  ['draft', 'update', [_, _, _, _, _, _, _, _]],
  ['draft', 'renew', [_, _, _, _, _, _, _, _]],
  ['draft', 'stand_down', [_, _, _, _, _, _, _, _]],
  ['draft', 'cancel', ['cancelled', 'cancelled', 'cancelled', _, _, _, _, _]],
  ['draft', 'expire', [_, _, _, _, _, _, _, _]],
  ['draft', 'archive', [_, _, _, _, _, _, _, _]],

  ['submitted', 'submit', [_, _, _, _, _, _, _, _]],
  ['submitted', 'return', [_, _, 'returned', _, 'returned', _, _, _]],
  ['submitted', 'approve', [_, _, 'active', _, 'active', _, _, _]],
  ['submitted', 'update', [_, _, _, _, _, _, _, _]],
  ['submitted', 'renew', [_, _, _, _, _, _, _, _]],
  ['submitted', 'stand_down', [_, _, _, _, _, _, _, _]],
  ['submitted', 'cancel', ['cancelled', 'cancelled', 'cancelled', _, _, _, _, _]],
  ['submitted', 'expire', [_, _, _, _, _, _, _, _]],
  ['submitted', 'archive', [_, _, _, _, _, _, _, _]],

  ['returned', 'submit', ['submitted', _, _, _, _, _, _, _]],
  ['returned', 'return', [_, _, _, _, _, _, _, _]],
  ['returned', 'approve', [_, _, _, _, _, _, _, _]],
  ['returned', 'update', [_, _, _, _, _, _, _, _]],
  ['returned', 'renew', [_, _, _, _, _, _, _, _]],
  ['returned', 'stand_down', [_, _, _, _, _, _, _, _]],
  ['returned', 'cancel', ['cancelled', 'cancelled', 'cancelled', _, _, _, _, _]],
  ['returned', 'expire', [_, _, _, _, _, _, _, _]],
  ['returned', 'archive', [_, _, _, _, _, _, _, _]],

  ['active', 'submit', [_, _, _, _, _, _, _, _]],
  ['active', 'return', [_, _, _, _, _, _, _, _]],
  ['active', 'approve', [_, _, _, _, _, _, _, _]],
  ['active', 'update', ['active', 'active', 'active', _, _, _, _, _]],
  ['active', 'renew', ['active', 'active', 'active', _, _, _, _, _]],
  ['active', 'stand_down', ['stood_down', 'stood_down', 'stood_down', _, _, _, _, _]],
  ['active', 'cancel', ['cancelled', 'cancelled', 'cancelled', _, _, _, _, _]],
  ['active', 'expire', [_, _, _, _, _, _, _, 'expired']],
  ['active', 'archive', [_, _, _, _, _, _, _, _]],

  ['stood_down', 'submit', [_, _, _, _, _, _, _, _]],
  ['stood_down', 'return', [_, _, _, _, _, _, _, _]],
  ['stood_down', 'approve', [_, _, _, _, _, _, _, _]],
  ['stood_down', 'update', [_, _, _, _, _, _, _, _]],
  ['stood_down', 'renew', [_, _, _, _, _, _, _, _]],
  ['stood_down', 'stand_down', [_, _, _, _, _, _, _, _]],
  ['stood_down', 'cancel', [_, _, _, _, _, _, _, _]],
  ['stood_down', 'expire', [_, _, _, _, _, _, _, _]],
  ['stood_down', 'archive', [_, _, _, _, _, _, _, 'archived']],

  ['cancelled', 'submit', [_, _, _, _, _, _, _, _]],
  ['cancelled', 'return', [_, _, _, _, _, _, _, _]],
  ['cancelled', 'approve', [_, _, _, _, _, _, _, _]],
  ['cancelled', 'update', [_, _, _, _, _, _, _, _]],
  ['cancelled', 'renew', [_, _, _, _, _, _, _, _]],
  ['cancelled', 'stand_down', [_, _, _, _, _, _, _, _]],
  ['cancelled', 'cancel', [_, _, _, _, _, _, _, _]],
  ['cancelled', 'expire', [_, _, _, _, _, _, _, _]],
  ['cancelled', 'archive', [_, _, _, _, _, _, _, 'archived']],

  ['expired', 'submit', [_, _, _, _, _, _, _, _]],
  ['expired', 'return', [_, _, _, _, _, _, _, _]],
  ['expired', 'approve', [_, _, _, _, _, _, _, _]],
  ['expired', 'update', [_, _, _, _, _, _, _, _]],
  ['expired', 'renew', [_, _, _, _, _, _, _, _]],
  ['expired', 'stand_down', [_, _, _, _, _, _, _, _]],
  ['expired', 'cancel', [_, _, _, _, _, _, _, _]],
  ['expired', 'expire', [_, _, _, _, _, _, _, _]],
  ['expired', 'archive', [_, _, _, _, _, _, _, 'archived']],

  ['archived', 'submit', [_, _, _, _, _, _, _, _]],
  ['archived', 'return', [_, _, _, _, _, _, _, _]],
  ['archived', 'approve', [_, _, _, _, _, _, _, _]],
  ['archived', 'update', [_, _, _, _, _, _, _, _]],
  ['archived', 'renew', [_, _, _, _, _, _, _, _]],
  ['archived', 'stand_down', [_, _, _, _, _, _, _, _]],
  ['archived', 'cancel', [_, _, _, _, _, _, _, _]],
  ['archived', 'expire', [_, _, _, _, _, _, _, _]],
  ['archived', 'archive', [_, _, _, _, _, _, _, _]],
];

describe('the transition table', () => {
  it('covers every state and event exactly once, with a column for every actor', () => {
    const pairs = TABLE.map(([s, e]) => `${s}/${e}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(pairs.length).toBe(ALERT_STATUSES.length * ALERT_EVENTS.length);
    for (const s of ALERT_STATUSES) for (const e of ALERT_EVENTS) expect(pairs).toContain(`${s}/${e}`);
    for (const [, , cells] of TABLE) expect(cells).toHaveLength(ACTOR_COLUMNS.length);
  });

  const cases = TABLE.flatMap(([from, event, cells]) => cells.map((expected, k) => ({ from, event, actor: ACTOR_COLUMNS[k]!, expected })));

  it.each(cases)('$from + $event by $actor → $expected', ({ from, event, actor, expected }) => {
    const before = stateFor(from, event);
    const snapshot = structuredClone(before);
    const r = transition(before, VALID_EVENT[event], ACTORS[actor], NOW);
    expect(before).toEqual(snapshot); // pure: the input is never changed
    const allowed = allowedEvents(before, ACTORS[actor], NOW);
    if (expected === _) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason.trim().length).toBeGreaterThan(10);
      expect(allowed).not.toContain(event);
    } else {
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.next.status).toBe(expected);
      expect(r.record).toMatchObject({ event, from, to: expected, at: NOW });
      expect(r.next.version).toBe(makesNewVersion(before.status, event) ? before.version + 1 : before.version);
      expect(r.next.originatorUserId).toBe(ORIGINATOR.userId);
      expect(allowed).toContain(event);
    }
  });
});

describe('refusals a clinician can act on', () => {
  const refusal = (s: AlertState, e: AlertEvent, a: LifecycleActor, now = NOW) => {
    const r = transition(s, e, a, now);
    expect(r.ok).toBe(false);
    return r.ok ? '' : r.reason;
  };

  it('nobody approves or returns an alert they raised, whatever their role', () => {
    const dpOriginator = person('u-dp', 'designated_professional', 'org-a');
    const mine = state('submitted', { originatorUserId: dpOriginator.userId });
    expect(refusal(mine, VALID_EVENT.approve, dpOriginator)).toBe('You raised this alert, so someone else must approve it.');
    expect(refusal(mine, VALID_EVENT.return, dpOriginator)).toBe('You raised this alert, so someone else must review it.');
    expect(allowedEvents(mine, dpOriginator, NOW)).toEqual(['cancel']);
  });

  it('compares user ids, not organisations or roles', () => {
    // Same organisation and role as the originator, a different person: may approve.
    const dpOriginator = person('u-dp', 'designated_professional', 'org-a');
    const mine = state('submitted', { originatorUserId: dpOriginator.userId });
    expect(transition(mine, VALID_EVENT.approve, person('u-dp-2', 'designated_professional', 'org-a'), NOW).ok).toBe(true);
  });

  it('explains who may approve and return', () => {
    expect(refusal(state('submitted'), VALID_EVENT.approve, ACTORS.colleague)).toBe('Only a designated or named safeguarding professional can approve alerts.');
    expect(refusal(state('submitted'), VALID_EVENT.return, ACTORS.pointOfCare)).toBe(
      'Only a designated or named safeguarding professional can return alerts for changes.',
    );
  });

  it('explains who may send for approval', () => {
    expect(refusal(state('draft'), VALID_EVENT.submit, ACTORS.colleague)).toBe('Only the person who raised this alert can send it for approval.');
    const movedRole = person(ORIGINATOR.userId, 'point_of_care', 'org-a');
    expect(refusal(state('draft'), VALID_EVENT.submit, movedRole)).toBe('In your role (Point-of-care clinician) you cannot send alerts for approval.');
  });

  it('explains who may look after a live alert', () => {
    expect(refusal(state('active'), VALID_EVENT.update, ACTORS.approver)).toBe(
      'Only the person who raised this alert, or a safeguarding practitioner or designated professional in their organisation, can update it.',
    );
    expect(refusal(state('active'), VALID_EVENT.stand_down, ACTORS.orgSocialWorker)).toBe(
      'Only the person who raised this alert, or a safeguarding practitioner or designated professional in their organisation, can stand it down.',
    );
    expect(refusal(state('draft'), VALID_EVENT.cancel, ACTORS.otherPractitioner)).toMatch(/, can cancel it\.$/);
  });

  it('lets a social worker who raised the alert look after it', () => {
    const sw = person('u-sw-orig', 'social_worker', 'org-c');
    const theirs = state('active', { originatorUserId: sw.userId, originatorOrganisationId: 'org-c' });
    expect(allowedEvents(theirs, sw, NOW)).toEqual(['update', 'renew', 'stand_down', 'cancel']);
  });

  it('keeps system-only events away from people, and people-only events away from the system', () => {
    expect(refusal(state('active', { reviewDate: PAST_REVIEW }), VALID_EVENT.expire, ACTORS.orgDesignated)).toBe(
      'Alerts expire on their own when the review date passes, so nobody can expire one by hand. To end it now, stand it down or cancel it.',
    );
    expect(refusal(state('cancelled'), VALID_EVENT.archive, ACTORS.orgDesignated)).toBe(
      'Alerts are archived on their own at the end of the retention period, so nobody can archive one by hand.',
    );
    expect(refusal(state('submitted'), VALID_EVENT.approve, ACTORS.system)).toBe('An alert can only be approved by a person, not by the system.');
  });

  it('says what state the alert is in and what the action needs', () => {
    expect(refusal(state('draft'), VALID_EVENT.approve, ACTORS.approver)).toBe(
      'This alert is still a draft. Only an alert waiting for approval can be approved.',
    );
    expect(refusal(state('archived'), VALID_EVENT.update, ORIGINATOR)).toBe('This alert has been archived. Only an active alert can be updated.');
    expect(refusal(state('expired'), VALID_EVENT.cancel, ORIGINATOR)).toBe('This alert has expired. Only an alert that is not yet closed can be cancelled.');
    expect(refusal(state('cancelled'), VALID_EVENT.cancel, ORIGINATOR)).toBe('This alert has already been cancelled.');
    expect(refusal(state('active'), VALID_EVENT.approve, ACTORS.approver)).toBe('This alert is already active.');
    expect(refusal(state('submitted'), VALID_EVENT.submit, ORIGINATOR)).toBe('This alert is already waiting for approval.');
    expect(refusal(state('active'), VALID_EVENT.submit, ORIGINATOR)).toBe(
      'This alert is active. Only a draft or an alert returned for changes can be sent for approval.',
    );
  });

  it('refuses, without throwing, an action or a state it does not know', () => {
    expect(refusal(state('active'), { type: 'delete' } as never, ORIGINATOR)).toBe('Beacon does not recognise that action.');
    expect(refusal(state('active'), null as never, ORIGINATOR)).toBe('Beacon does not recognise that action.');
    expect(refusal(state('limbo' as never), VALID_EVENT.update, ORIGINATOR)).toBe(
      'This alert is in a state Beacon does not recognise. Contact the Beacon support team.',
    );
  });
});

describe('what each event needs', () => {
  const reason = (s: AlertState, e: AlertEvent, a: LifecycleActor = ORIGINATOR, now = NOW) => {
    const r = transition(s, e, a, now);
    return r.ok ? null : r.reason;
  };

  it('return needs comments', () => {
    for (const comments of ['', '   ', undefined]) {
      expect(reason(state('submitted'), { type: 'return', comments } as never, ACTORS.approver)).toBe('Enter comments saying what needs to change.');
    }
    expect(reason(state('submitted'), { type: 'return', comments: 'x'.repeat(2001) }, ACTORS.approver)).toBe('Comments must be 2,000 characters or fewer.');
    const r = transition(state('submitted'), { type: 'return', comments: '  Add the partner.  ' }, ACTORS.approver, NOW);
    expect(r.ok && r.record.reason).toBe('Add the partner.');
  });

  it('update needs a reason, and makes a new version', () => {
    expect(reason(state('active'), { type: 'update', reason: ' ' })).toBe('Enter the reason for this update.');
    const r = transition(state('active', { version: 4 }), { type: 'update', reason: 'New address' }, ACTORS.colleague, NOW);
    expect(r.ok && r.next.version).toBe(5);
    expect(r.ok && r.record.reason).toBe('New address');
  });

  it('cancel needs a reason', () => {
    expect(reason(state('draft'), { type: 'cancel', reason: '' })).toBe('Enter why this alert is being cancelled, for example that it was raised in error.');
  });

  it('stand down needs an outcome from the list, and words for "other"', () => {
    expect(reason(state('active'), { type: 'stand_down', outcome: 'gone' as never })).toBe('Select the outcome.');
    expect(reason(state('active'), { type: 'stand_down', outcome: 'other', details: '  ' })).toBe('Describe the outcome.');
    const other = transition(state('active'), { type: 'stand_down', outcome: 'other', details: 'Admitted to a mother and baby unit' }, ORIGINATOR, NOW);
    expect(other.ok && other.record).toMatchObject({ outcome: 'other', reason: 'Other: Admitted to a mother and baby unit' });
    for (const outcome of STAND_DOWN_OUTCOMES.filter((o) => o !== 'other')) {
      const r = transition(state('active'), { type: 'stand_down', outcome }, ORIGINATOR, NOW);
      expect(r.ok && r.record.outcome).toBe(outcome);
    }
    const delivered = transition(state('active'), { type: 'stand_down', outcome: 'baby_delivered_safe', details: 'Born at PAH' }, ORIGINATOR, NOW);
    expect(delivered.ok && delivered.record.reason).toBe('Baby delivered and safe: Born at PAH');
  });

  describe('renew', () => {
    // Today 1 March 2026; current review 1 April; renewals may go to 31 May (91 days).
    it('moves the review date later, within the limit, with a reason', () => {
      expect(maxRenewalDate(NOW)).toBe('2026-05-31');
      const r = transition(state('active'), { type: 'renew', reviewDate: '2026-05-31', reason: 'Still missing' }, ORIGINATOR, NOW);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.next).toMatchObject({ status: 'active', reviewDate: '2026-05-31', version: 3 });
      expect(r.record).toMatchObject({ reason: 'Still missing', reviewDate: { from: FUTURE_REVIEW, to: '2026-05-31' } });
    });

    it('refuses a date that is not later, not in the future, too far ahead or not a date', () => {
      const renew = (reviewDate: string, s = state('active')) => reason(s, { type: 'renew', reviewDate, reason: 'r' });
      expect(renew('2026-04-01')).toBe('The new review date must be after the current one (1 April 2026).');
      expect(renew('2026-06-01')).toBe('The new review date must be no later than 31 May 2026.');
      expect(renew('2026-02-31')).toBe('Enter the new review date as a real date.');
      expect(renew('2026-03-01', state('active', { reviewDate: PAST_REVIEW }))).toBe('The new review date must be in the future.');
      expect(renew('2026-03-02', state('active', { reviewDate: PAST_REVIEW }))).toBeNull();
      expect(reason(state('active'), { type: 'renew', reviewDate: '2026-05-01', reason: '' })).toBe('Enter the reason for renewing this alert.');
    });

    it('is not offered when the review date is already as far ahead as allowed', () => {
      const atLimit = state('active', { reviewDate: '2026-05-31' });
      expect(allowedEvents(atLimit, ORIGINATOR, NOW)).not.toContain('renew');
      expect(reason(atLimit, { type: 'renew', reviewDate: '2026-06-01', reason: 'r' })).toBe(
        'This alert is already set for review on 31 May 2026, as late as a renewal allows. It can be renewed nearer the time.',
      );
      expect(allowedEvents(state('active', { reviewDate: '2026-05-30' }), ORIGINATOR, NOW)).toContain('renew');
    });

    it('uses the configured limit', () => {
      const config = { ...DEFAULT_LIFECYCLE_CONFIG, maxRenewalDays: 7 };
      const r = transition(state('active', { reviewDate: '2026-03-05' }), { type: 'renew', reviewDate: '2026-03-09', reason: 'r' }, ORIGINATOR, NOW, config);
      expect(r.ok ? null : r.reason).toBe('The new review date must be no later than 8 March 2026.');
    });
  });

  describe('review dates around approval', () => {
    it('approval may set the review date', () => {
      const r = transition(
        state('submitted', { reviewDate: null }),
        { type: 'approve', reviewDate: '2026-07-13', comments: 'Proportionate.' },
        ACTORS.approver,
        NOW,
      );
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.next.reviewDate).toBe('2026-07-13');
      expect(r.record).toMatchObject({ reason: 'Proportionate.', reviewDate: { from: null, to: '2026-07-13' } });
    });

    it('no alert goes live without a review date ahead of it', () => {
      expect(reason(state('submitted', { reviewDate: null }), { type: 'approve' }, ACTORS.approver)).toBe(
        'This alert has no review date. Enter the due date or a review date before approving it.',
      );
      expect(reason(state('submitted', { reviewDate: null }), { type: 'approve', reviewDate: '2026-02-28' }, ACTORS.approver)).toBe(
        'The review date (28 February 2026) has passed. Change it before approving it.',
      );
      expect(reason(state('submitted', { reviewDate: PAST_REVIEW }), { type: 'approve' }, ACTORS.approver)).toBe(
        'The review date (1 February 2026) has passed. Change it before approving it.',
      );
      expect(reason(state('draft', { reviewDate: PAST_REVIEW }), VALID_EVENT.submit)).toBe(
        'The review date (1 February 2026) has passed. Change it before sending it for approval.',
      );
      // A draft may not have a review date yet: it is set at approval.
      expect(reason(state('draft', { reviewDate: null }), VALID_EVENT.submit)).toBeNull();
      // Today's date is still in time.
      expect(reason(state('submitted', { reviewDate: '2026-03-01' }), { type: 'approve' }, ACTORS.approver)).toBeNull();
    });
  });

  describe('expiry', () => {
    const active = state('active', { reviewDate: '2026-07-13' });
    it('happens only once the review date has passed, in England', () => {
      expect(reason(active, VALID_EVENT.expire, ACTORS.system, new Date('2026-07-13T22:59:00Z'))).toBe(
        "This alert's review date (13 July 2026) has not passed yet, so it cannot expire.",
      );
      const r = transition(active, VALID_EVENT.expire, ACTORS.system, new Date('2026-07-13T23:00:00Z'));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.next).toMatchObject({ status: 'expired', closedAt: new Date('2026-07-13T23:00:00Z') });
      expect(r.record).toMatchObject({ by: { system: true }, reason: 'Review date 13 July 2026 passed without renewal' });
    });

    it('needs a review date', () => {
      expect(reason(state('active', { reviewDate: null }), VALID_EVENT.expire, ACTORS.system)).toBe('This alert has no review date, so it cannot expire.');
    });
  });

  describe('archiving', () => {
    const closedAt = new Date('2026-01-01T12:00:00Z');
    it('waits for the retention period after closing', () => {
      const s = state('stood_down', { closedAt });
      expect(reason(s, VALID_EVENT.archive, ACTORS.system, new Date('2026-04-01T11:59:59Z'))).toBe(
        'This alert cannot be archived until 1 April 2026, when its retention period ends.',
      );
      const r = transition(s, VALID_EVENT.archive, ACTORS.system, new Date('2026-04-01T12:00:00Z'));
      expect(r.ok && r.next).toMatchObject({ status: 'archived', closedAt });
    });

    it('uses the configured period', () => {
      const config = { ...DEFAULT_LIFECYCLE_CONFIG, archiveAfterDays: 0 };
      expect(transition(state('cancelled', { closedAt: NOW }), VALID_EVENT.archive, ACTORS.system, NOW, config).ok).toBe(true);
    });

    it('refuses when it cannot tell when the alert closed', () => {
      expect(reason(state('expired', { closedAt: null }), VALID_EVENT.archive, ACTORS.system)).toBe(
        'Beacon does not know when this alert was closed, so it cannot be archived.',
      );
      expect(reason(state('expired', { closedAt: new Date(Number.NaN) }), VALID_EVENT.archive, ACTORS.system)).toBe(
        'Beacon does not know when this alert was closed, so it cannot be archived.',
      );
    });
  });

  it('records who did it without carrying the rest of the session along', () => {
    const sessionActor: Actor = {
      userId: 'u-approver',
      displayName: 'Dr A Approver',
      membershipId: 'm-1',
      organisationId: 'org-b',
      organisationName: 'Trust B',
      role: 'designated_professional',
      unitId: null,
    };
    const r = transition(state('submitted'), VALID_EVENT.approve, sessionActor, NOW);
    expect(r.ok && r.record.by).toEqual({ userId: 'u-approver', role: 'designated_professional', organisationId: 'org-b' });
  });

  it('starts the retention clock on closing and never before', () => {
    const opened = transition(state('submitted'), VALID_EVENT.approve, ACTORS.approver, NOW);
    expect(opened.ok && opened.next.closedAt).toBeNull();
    for (const [e, to] of [
      ['stand_down', 'stood_down'],
      ['cancel', 'cancelled'],
    ] as const) {
      const r = transition(state('active'), VALID_EVENT[e], ORIGINATOR, NOW);
      expect(r.ok && r.next).toMatchObject({ status: to, closedAt: NOW });
    }
  });
});

describe('allowedEvents, for showing buttons', () => {
  it('offers each person what they can do now', () => {
    expect(allowedEvents(state('draft'), ORIGINATOR, NOW)).toEqual(['submit', 'cancel']);
    expect(allowedEvents(state('submitted'), ACTORS.approver, NOW)).toEqual(['return', 'approve']);
    expect(allowedEvents(state('submitted'), ORIGINATOR, NOW)).toEqual(['cancel']);
    expect(allowedEvents(state('active'), ACTORS.colleague, NOW)).toEqual(['update', 'renew', 'stand_down', 'cancel']);
    expect(allowedEvents(state('active'), ACTORS.pointOfCare, NOW)).toEqual([]);
    expect(allowedEvents(state('active'), ACTORS.system, NOW)).toEqual([]);
    expect(allowedEvents(state('active', { reviewDate: PAST_REVIEW }), ACTORS.system, NOW)).toEqual(['expire']);
    expect(allowedEvents(state('archived'), ORIGINATOR, NOW)).toEqual([]);
  });
});

// ── Random walks ───────────────────────────────────────────────────────────────────────────────────

const actorArb = fc.constantFrom<LifecycleActor>(...Object.values(ACTORS), person('u-random', 'auditor', 'org-a'));
const textArb = fc.oneof(fc.constant(''), fc.constant('   '), fc.string({ maxLength: 40 }), fc.constant('A proper reason'), fc.constant('x'.repeat(2001)));
const dateArb = fc.oneof(
  fc.integer({ min: -120, max: 200 }).map((d) => addDays('2026-03-01', d)),
  fc.constantFrom('2026-02-30', 'not a date', ''),
);
/** Events with payloads good and bad, and a few things that are not events at all. */
const eventArb: fc.Arbitrary<AlertEvent> = fc.oneof(
  fc.constant<AlertEvent>({ type: 'submit' }),
  textArb.map((comments): AlertEvent => ({ type: 'return', comments })),
  fc.option(dateArb, { nil: undefined }).map((reviewDate): AlertEvent => ({ type: 'approve', reviewDate })),
  textArb.map((reason): AlertEvent => ({ type: 'update', reason })),
  fc.tuple(dateArb, textArb).map(([reviewDate, reason]): AlertEvent => ({ type: 'renew', reviewDate, reason })),
  fc
    .tuple(fc.constantFrom(...STAND_DOWN_OUTCOMES, 'nonsense'), fc.option(textArb, { nil: undefined }))
    .map(([outcome, details]) => ({ type: 'stand_down', outcome, details }) as AlertEvent),
  textArb.map((reason): AlertEvent => ({ type: 'cancel', reason })),
  fc.constant<AlertEvent>({ type: 'expire' }),
  fc.constant<AlertEvent>({ type: 'archive' }),
  fc.constant({ type: 'teleport' } as unknown as AlertEvent),
);
/**
 * A step is either random (any actor, any event, any payload) or guided: one of the moves some actor
 * could make now, with a complete request. Guided steps carry walks deep enough to reach archiving.
 */
const stepArb = fc.record({ guided: fc.boolean(), pick: fc.nat(), event: eventArb, actor: actorArb, daysLater: fc.integer({ min: 0, max: 45 }) });
type Step = { guided: boolean; pick: number; event: AlertEvent; actor: LifecycleActor };

function chooseMove(step: Step, s: AlertState, now: Date): { event: AlertEvent; actor: LifecycleActor } {
  if (!step.guided) return step;
  // Jobs run as soon as something is due, so the system usually moves first when it can.
  const systemMoves = allowedEvents(s, ACTORS.system, now);
  if (systemMoves.length > 0 && step.pick % 4 !== 0) return { actor: ACTORS.system, event: goodPayload(systemMoves[0]!, s, now) };
  // Each possible event equally likely, whoever could do it: otherwise cancelling (open to three people) ends most walks early.
  const byEvent = new Map<AlertEventType, LifecycleActor[]>();
  for (const actor of Object.values(ACTORS)) for (const type of allowedEvents(s, actor, now)) byEvent.set(type, [...(byEvent.get(type) ?? []), actor]);
  const types = [...byEvent.keys()];
  if (types.length === 0) return step;
  const type = types[step.pick % types.length]!;
  const actors = byEvent.get(type)!;
  return { actor: actors[Math.floor(step.pick / types.length) % actors.length]!, event: goodPayload(type, s, now) };
}

/** A payload that should be accepted whenever the actor, state and time allow the event. */
function goodPayload(type: AlertEventType, s: AlertState, now: Date): AlertEvent {
  const today = londonDate(now);
  switch (type) {
    case 'renew': {
      const from = s.reviewDate && s.reviewDate > today ? s.reviewDate : today;
      return { type, reviewDate: addDays(from, 1), reason: 'Still needed' };
    }
    case 'approve':
      return { type, reviewDate: s.reviewDate ?? addDays(today, 30) };
    default:
      return VALID_EVENT[type];
  }
}

describe('random sequences of events', () => {
  it('never reach an undefined state, and every refusal has a reason', () => {
    const reached = new Set<string>();
    const everyState = ALERT_STATUSES.filter((x) => x !== 'draft').sort();
    // Random walks (a new seed each run), repeated until they have been through every state: a rare state
    // (stood down needs a long walk) must not make the test flaky, and must still be reached.
    for (let round = 0; round < 10 && reached.size < everyState.length; round++) {
      fc.assert(
        fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => {
          let s = state('draft', { version: 1, reviewDate: null, closedAt: null });
          let now = NOW;
          for (const step of steps) {
            now = new Date(now.getTime() + step.daysLater * 86_400_000);
            const move = chooseMove(step, s, now);
            const r = transition(s, move.event, move.actor, now);
            const allowed = allowedEvents(s, move.actor, now);
            if (r.ok) {
              expect(ALERT_STATUSES).toContain(r.next.status);
              expect(r.record.from).toBe(s.status);
              expect(r.record.to).toBe(r.next.status);
              expect(r.next.version).toBe(s.version + (makesNewVersion(s.status, r.record.event) ? 1 : 0));
              expect(r.next.originatorUserId).toBe(s.originatorUserId);
              expect(r.next.originatorOrganisationId).toBe(s.originatorOrganisationId);
              expect(allowed).toContain(r.record.event);
              if (r.next.status === 'active') expect(r.next.reviewDate).not.toBeNull();
              if (['stood_down', 'cancelled', 'expired', 'archived'].includes(r.next.status)) expect(r.next.closedAt).toBeInstanceOf(Date);
              s = r.next;
              reached.add(s.status);
            } else {
              expect(typeof r.reason).toBe('string');
              expect(r.reason.trim()).not.toBe('');
            }
            expect(ALERT_STATUSES).toContain(s.status);
          }
        }),
        { numRuns: 300 },
      );
    }
    // The walks went everywhere, so the properties above were tested in every state.
    expect([...reached].sort()).toEqual(everyState);
  });

  it('offer exactly the events that a complete request would achieve', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), actorArb, (steps, probe) => {
        let s = state('draft', { version: 1, reviewDate: addDays('2026-03-01', 60), closedAt: null });
        let now = NOW;
        for (const step of steps) {
          now = new Date(now.getTime() + step.daysLater * 86_400_000);
          const allowed = allowedEvents(s, probe, now);
          for (const type of ALERT_EVENTS) {
            expect(transition(s, goodPayload(type, s, now), probe, now).ok).toBe(allowed.includes(type));
          }
          const move = chooseMove(step, s, now);
          const r = transition(s, move.event, move.actor, now);
          if (r.ok) s = r.next;
        }
      }),
      { numRuns: 200 },
    );
  });
});
