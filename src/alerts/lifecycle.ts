/**
 * The alert lifecycle as a pure state machine.
 *
 *   draft ─submit→ submitted ─approve→ active ─stand_down→ stood_down ─┐
 *     ↑              │                   │ ↺ update, renew              ├─archive→ archived
 *     returned ←return┘                  ├─expire→ expired ────────────┤
 *   draft | submitted | returned | active ─cancel→ cancelled ───────────┘
 *
 * `transition` decides; it never throws for a bad request. A refusal carries a reason in plain English,
 * written for the clinician who pressed the button. Services store the returned state and record, audit
 * them and fan out deliveries; nothing here reads a clock or a database.
 *
 * Checks run in a fixed order, so the reason given is the most useful one: is the alert in a state where
 * this can happen at all; is this person allowed to do it; does timing allow it (review date, retention);
 * is what they entered complete.
 */
import { ROLE_LABELS, type Role } from '../platform/context';
import { addDays, daysBetween, formatDate, type IsoDate, isIsoDate, isPastReview, londonDate } from './pregnancy';

export const ALERT_STATUSES = ['draft', 'submitted', 'returned', 'active', 'stood_down', 'cancelled', 'expired', 'archived'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const ALERT_STATUS_LABELS: Record<AlertStatus, string> = {
  draft: 'Draft',
  submitted: 'Waiting for approval',
  returned: 'Returned for changes',
  active: 'Active',
  stood_down: 'Stood down',
  cancelled: 'Cancelled',
  expired: 'Expired',
  archived: 'Archived',
};

export const ALERT_EVENTS = ['submit', 'return', 'approve', 'update', 'renew', 'stand_down', 'cancel', 'expire', 'archive'] as const;
export type AlertEventType = (typeof ALERT_EVENTS)[number];
export const ALERT_EVENT_LABELS: Record<AlertEventType, string> = {
  submit: 'Send for approval',
  return: 'Return for changes',
  approve: 'Approve',
  update: 'Update',
  renew: 'Renew',
  stand_down: 'Stand down',
  cancel: 'Cancel',
  expire: 'Expire',
  archive: 'Archive',
};

/** Why an alert was stood down. "Other" needs words. */
export const STAND_DOWN_OUTCOMES = ['found_safe', 'baby_delivered_safe', 'plan_in_place', 'moved_out_of_area_handed_over', 'other'] as const;
export type StandDownOutcome = (typeof STAND_DOWN_OUTCOMES)[number];
export const STAND_DOWN_OUTCOME_LABELS: Record<StandDownOutcome, string> = {
  found_safe: 'Found and safe',
  baby_delivered_safe: 'Baby delivered and safe',
  plan_in_place: 'Plan in place',
  moved_out_of_area_handed_over: 'Moved out of area and handed over',
  other: 'Other',
};

/** Who may raise, send for approval and look after alerts. */
export const RAISER_ROLES = ['safeguarding_practitioner', 'designated_professional', 'social_worker'] as const satisfies readonly Role[];
/** Who may approve or return an alert: a designated or named safeguarding professional, in any organisation. */
export const APPROVER_ROLES = ['designated_professional'] as const satisfies readonly Role[];
/** Besides the originator, who in the originator's organisation may update, renew, stand down or cancel. */
export const OWNING_ORGANISATION_ROLES = ['safeguarding_practitioner', 'designated_professional'] as const satisfies readonly Role[];

/** Free text on a transition (comments, reasons) is bounded like the alert's own text. */
export const MAX_REASON_LENGTH = 2000;

export interface LifecycleConfig {
  /** A renewal may set the review date at most this many days after today. */
  maxRenewalDays: number;
  /** A stood-down, cancelled or expired alert is archived this many days after it closed. */
  archiveAfterDays: number;
}
/** 13 weeks: one region re-checks alerts weekly for three months; a renewal should not outlast that. */
export const DEFAULT_LIFECYCLE_CONFIG: LifecycleConfig = { maxRenewalDays: 91, archiveAfterDays: 90 };

export interface AlertState {
  status: AlertStatus;
  originatorUserId: string;
  originatorOrganisationId: string;
  /** Starts at 1; each change recipients must hear about makes a new version (see {@link makesNewVersion}). */
  version: number;
  /** Last day the alert stands without renewal. May be null before approval; an active alert always has one. */
  reviewDate: IsoDate | null;
  /** When it was stood down, cancelled or expired: the retention clock for archiving. Null while open. */
  closedAt?: Date | null;
}

export type AlertEvent =
  | { type: 'submit' }
  | { type: 'return'; comments: string }
  /** `reviewDate` sets the review date on approval (normally effectiveReviewDate of the content); without it the state's own is kept. */
  | { type: 'approve'; reviewDate?: IsoDate | null; comments?: string | null }
  | { type: 'update'; reason: string }
  | { type: 'renew'; reviewDate: IsoDate; reason: string }
  | { type: 'stand_down'; outcome: StandDownOutcome; details?: string | null }
  | { type: 'cancel'; reason: string }
  | { type: 'expire' }
  | { type: 'archive' };

/** A person acting (the request context's Actor fits) or the system (jobs). */
export interface PersonActor {
  userId: string;
  role: Role;
  organisationId: string;
}
export interface SystemActor {
  system: true;
}
export type LifecycleActor = PersonActor | SystemActor;

/** What the audit trail and version history keep for one transition. */
export interface TransitionRecord {
  event: AlertEventType;
  from: AlertStatus;
  to: AlertStatus;
  by: PersonActor | SystemActor;
  at: Date;
  /** Comments, reason or outcome in words; null when the event needs none (submit, approve without comments). */
  reason: string | null;
  outcome?: StandDownOutcome;
  /** For renew (and approve, when it sets one): the review date before and after. */
  reviewDate?: { from: IsoDate | null; to: IsoDate };
}

export type TransitionResult = { ok: true; next: AlertState; record: TransitionRecord } | { ok: false; reason: string };

// ── Rules ──────────────────────────────────────────────────────────────────────────────────────────

interface Rule {
  from: readonly AlertStatus[];
  /** Where the event leads; update and renew stay active. */
  to: AlertStatus;
  who: 'originator' | 'approver' | 'owner' | 'system';
  /** "<status sentence> Only <allowedFrom> can be <done>." */
  allowedFrom: string;
  done: string;
}

const OPEN: readonly AlertStatus[] = ['draft', 'submitted', 'returned', 'active'];
const CLOSED: readonly AlertStatus[] = ['stood_down', 'cancelled', 'expired'];

const RULES: Record<AlertEventType, Rule> = {
  submit: {
    from: ['draft', 'returned'],
    to: 'submitted',
    who: 'originator',
    allowedFrom: 'a draft or an alert returned for changes',
    done: 'sent for approval',
  },
  return: { from: ['submitted'], to: 'returned', who: 'approver', allowedFrom: 'an alert waiting for approval', done: 'returned for changes' },
  approve: { from: ['submitted'], to: 'active', who: 'approver', allowedFrom: 'an alert waiting for approval', done: 'approved' },
  update: { from: ['active'], to: 'active', who: 'owner', allowedFrom: 'an active alert', done: 'updated' },
  renew: { from: ['active'], to: 'active', who: 'owner', allowedFrom: 'an active alert', done: 'renewed' },
  stand_down: { from: ['active'], to: 'stood_down', who: 'owner', allowedFrom: 'an active alert', done: 'stood down' },
  cancel: { from: OPEN, to: 'cancelled', who: 'owner', allowedFrom: 'an alert that is not yet closed', done: 'cancelled' },
  expire: { from: ['active'], to: 'expired', who: 'system', allowedFrom: 'an active alert', done: 'expired' },
  archive: { from: CLOSED, to: 'archived', who: 'system', allowedFrom: 'a stood-down, cancelled or expired alert', done: 'archived' },
};

/** Where the alert stands, as the first sentence of a refusal. */
const STATUS_SENTENCES: Record<AlertStatus, string> = {
  draft: 'This alert is still a draft.',
  submitted: 'This alert is waiting for approval.',
  returned: 'This alert has been returned for changes.',
  active: 'This alert is active.',
  stood_down: 'This alert has been stood down.',
  cancelled: 'This alert has been cancelled.',
  expired: 'This alert has expired.',
  archived: 'This alert has been archived.',
};
/** When the action asked for has already happened (two people pressing the same button). */
const ALREADY_SENTENCES: Record<AlertStatus, string> = {
  draft: 'This alert is already a draft.',
  submitted: 'This alert is already waiting for approval.',
  returned: 'This alert has already been returned for changes.',
  active: 'This alert is already active.',
  stood_down: 'This alert has already been stood down.',
  cancelled: 'This alert has already been cancelled.',
  expired: 'This alert has already expired.',
  archived: 'This alert has already been archived.',
};

const isSystem = (actor: LifecycleActor): actor is SystemActor => (actor as SystemActor).system === true;
const hasRole = (roles: readonly Role[], role: Role) => roles.includes(role);

function statusRefusal(state: AlertState, type: AlertEventType): string | null {
  const rule = RULES[type];
  if (!(ALERT_STATUSES as readonly string[]).includes(state.status))
    return 'This alert is in a state Beacon does not recognise. Contact the Beacon support team.';
  if (rule.from.includes(state.status)) return null;
  if (state.status === rule.to && type !== 'update' && type !== 'renew') return ALREADY_SENTENCES[state.status];
  return `${STATUS_SENTENCES[state.status]} Only ${rule.allowedFrom} can be ${rule.done}.`;
}

function actorRefusal(state: AlertState, type: AlertEventType, actor: LifecycleActor): string | null {
  const rule = RULES[type];
  if (rule.who === 'system') {
    if (isSystem(actor)) return null;
    return type === 'expire'
      ? 'Alerts expire on their own when the review date passes, so nobody can expire one by hand. To end it now, stand it down or cancel it.'
      : 'Alerts are archived on their own at the end of the retention period, so nobody can archive one by hand.';
  }
  if (isSystem(actor)) return `An alert can only be ${rule.done} by a person, not by the system.`;
  const isOriginator = actor.userId === state.originatorUserId;
  switch (rule.who) {
    case 'originator':
      if (!isOriginator) return 'Only the person who raised this alert can send it for approval.';
      if (!hasRole(RAISER_ROLES, actor.role)) return `In your role (${ROLE_LABELS[actor.role] ?? actor.role}) you cannot send alerts for approval.`;
      return null;
    case 'approver':
      // Checked before the role: a designated professional who raised the alert needs to hear why, not that they may approve others.
      if (isOriginator)
        return type === 'approve' ? 'You raised this alert, so someone else must approve it.' : 'You raised this alert, so someone else must review it.';
      if (!hasRole(APPROVER_ROLES, actor.role)) {
        return type === 'approve'
          ? 'Only a designated or named safeguarding professional can approve alerts.'
          : 'Only a designated or named safeguarding professional can return alerts for changes.';
      }
      return null;
    case 'owner': {
      const inOwningOrg = actor.organisationId === state.originatorOrganisationId && hasRole(OWNING_ORGANISATION_ROLES, actor.role);
      if ((isOriginator && hasRole(RAISER_ROLES, actor.role)) || inOwningOrg) return null;
      return `Only the person who raised this alert, or a safeguarding practitioner or designated professional in their organisation, can ${DO_IT[type]}.`;
    }
  }
}

/** "… can <do it>." for the events people do to a live alert. */
const DO_IT: Record<AlertEventType, string> = {
  submit: 'send it for approval',
  return: 'return it',
  approve: 'approve it',
  update: 'update it',
  renew: 'renew it',
  stand_down: 'stand it down',
  cancel: 'cancel it',
  expire: 'expire it',
  archive: 'archive it',
};

/** Refusals that depend on the clock and the state, not on what the person typed. */
function timingRefusal(state: AlertState, type: AlertEventType, now: Date, config: LifecycleConfig): string | null {
  const review = state.reviewDate;
  const reviewKnown = review != null && isIsoDate(review);
  switch (type) {
    case 'submit':
    case 'approve': {
      // A review date may still be unset (the service sets it at approval); one that has passed would expire at once.
      const doing = type === 'submit' ? 'sending it for approval' : 'approving it';
      if (reviewKnown && isPastReview(review, now)) return `The review date (${formatDate(review)}) has passed. Change it before ${doing}.`;
      return null;
    }
    case 'renew': {
      // A renewal must move the date later but no further than the limit; past the limit there is nowhere to go.
      if (reviewKnown && daysBetween(londonDate(now), review) >= config.maxRenewalDays) {
        return `This alert is already set for review on ${formatDate(review)}, as late as a renewal allows. It can be renewed nearer the time.`;
      }
      return null;
    }
    case 'expire':
      if (!reviewKnown) return 'This alert has no review date, so it cannot expire.';
      if (!isPastReview(review, now)) return `This alert's review date (${formatDate(review)}) has not passed yet, so it cannot expire.`;
      return null;
    case 'archive': {
      const closedAt = state.closedAt;
      if (!(closedAt instanceof Date) || Number.isNaN(closedAt.getTime())) return 'Beacon does not know when this alert was closed, so it cannot be archived.';
      const due = new Date(closedAt.getTime() + config.archiveAfterDays * 86_400_000);
      if (now < due) return `This alert cannot be archived until ${formatDate(londonDate(due))}, when its retention period ends.`;
      return null;
    }
    default:
      return null;
  }
}

/** Trimmed text, or null when missing or blank (including the wrong type from a careless client). */
function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const t = value.trim();
  return t === '' ? null : t;
}

const tooLong = (what: string) => `${what} must be ${MAX_REASON_LENGTH.toLocaleString('en-GB')} characters or fewer.`;

type Details = { reason: string | null; outcome?: StandDownOutcome; reviewDate?: IsoDate };

/** What the person entered with the event: the reason to record, or why it is not enough. */
function eventDetails(state: AlertState, event: AlertEvent, now: Date, config: LifecycleConfig): Details | { refusal: string } {
  const required = (value: unknown, missing: string, what: string): Details | { refusal: string } => {
    const t = text(value);
    if (!t) return { refusal: missing };
    if (t.length > MAX_REASON_LENGTH) return { refusal: tooLong(what) };
    return { reason: t };
  };
  switch (event.type) {
    case 'submit':
      return { reason: null };
    case 'return':
      return required(event.comments, 'Enter comments saying what needs to change.', 'Comments');
    case 'approve': {
      // Every active alert has an end: approval must leave it with a review date that has not passed.
      const reviewDate = event.reviewDate ?? state.reviewDate;
      if (reviewDate == null) return { refusal: 'This alert has no review date. Enter the due date or a review date before approving it.' };
      if (!isIsoDate(reviewDate)) return { refusal: 'Enter the review date as a real date.' };
      if (isPastReview(reviewDate, now)) return { refusal: `The review date (${formatDate(reviewDate)}) has passed. Change it before approving it.` };
      const t = text(event.comments);
      if (t && t.length > MAX_REASON_LENGTH) return { refusal: tooLong('Comments') };
      return event.reviewDate ? { reason: t, reviewDate: event.reviewDate } : { reason: t };
    }
    case 'update':
      return required(event.reason, 'Enter the reason for this update.', 'The reason');
    case 'renew': {
      const proposed = event.reviewDate;
      if (!isIsoDate(proposed)) return { refusal: 'Enter the new review date as a real date.' };
      const today = londonDate(now);
      if (state.reviewDate && isIsoDate(state.reviewDate) && proposed <= state.reviewDate) {
        return { refusal: `The new review date must be after the current one (${formatDate(state.reviewDate)}).` };
      }
      if (proposed <= today) return { refusal: 'The new review date must be in the future.' };
      if (daysBetween(today, proposed) > config.maxRenewalDays) {
        return { refusal: `The new review date must be no later than ${formatDate(maxRenewalDate(now, config))}.` };
      }
      const r = required(event.reason, 'Enter the reason for renewing this alert.', 'The reason');
      return 'refusal' in r ? r : { ...r, reviewDate: proposed };
    }
    case 'stand_down': {
      const outcome = event.outcome;
      if (!(STAND_DOWN_OUTCOMES as readonly unknown[]).includes(outcome)) return { refusal: 'Select the outcome.' };
      const details = text(event.details);
      if (details && details.length > MAX_REASON_LENGTH) return { refusal: tooLong('The details') };
      if (outcome === 'other' && !details) return { refusal: 'Describe the outcome.' };
      const label = STAND_DOWN_OUTCOME_LABELS[outcome];
      return { reason: details ? `${label}: ${details}` : label, outcome };
    }
    case 'cancel':
      return required(event.reason, 'Enter why this alert is being cancelled, for example that it was raised in error.', 'The reason');
    case 'expire':
      return { reason: state.reviewDate ? `Review date ${formatDate(state.reviewDate)} passed without renewal` : null };
    case 'archive':
      return { reason: `Retention period of ${config.archiveAfterDays} days after closing ended` };
  }
}

/** The latest review date a renewal may set today. */
export function maxRenewalDate(now: Date, config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG): IsoDate {
  return addDays(londonDate(now), config.maxRenewalDays);
}

function refusalFor(state: AlertState, type: AlertEventType, actor: LifecycleActor, now: Date, config: LifecycleConfig): string | null {
  return statusRefusal(state, type) ?? actorRefusal(state, type, actor) ?? timingRefusal(state, type, now, config);
}

/**
 * Whether an event makes a new version: an update, and closing an active alert (stand-down,
 * cancellation, expiry), because every recipient must receive and acknowledge that it has ended.
 * Closing an alert nobody has received yet, and renewal, send nothing and keep the version.
 */
export function makesNewVersion(from: AlertStatus, type: AlertEventType): boolean {
  return type === 'update' || (from === 'active' && (type === 'stand_down' || type === 'cancel' || type === 'expire'));
}

/** Apply one event. Never throws for a request that is not allowed: the refusal says why. */
export function transition(
  state: AlertState,
  event: AlertEvent,
  actor: LifecycleActor,
  now: Date,
  config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG,
): TransitionResult {
  const type = event?.type;
  if (!(ALERT_EVENTS as readonly unknown[]).includes(type)) return { ok: false, reason: 'Beacon does not recognise that action.' };
  const refusal = refusalFor(state, type, actor, now, config);
  if (refusal) return { ok: false, reason: refusal };
  const details = eventDetails(state, event, now, config);
  if ('refusal' in details) return { ok: false, reason: details.refusal };

  const rule = RULES[type];
  const to = rule.to;
  const next: AlertState = {
    status: to,
    originatorUserId: state.originatorUserId,
    originatorOrganisationId: state.originatorOrganisationId,
    version: makesNewVersion(state.status, type) ? state.version + 1 : state.version,
    reviewDate: details.reviewDate ?? state.reviewDate,
    // The retention clock starts when the alert closes and is kept through archiving.
    closedAt: CLOSED.includes(to) ? now : (state.closedAt ?? null),
  };
  const by: PersonActor | SystemActor = isSystem(actor) ? { system: true } : { userId: actor.userId, role: actor.role, organisationId: actor.organisationId };
  const record: TransitionRecord = { event: type, from: state.status, to, by, at: now, reason: details.reason };
  if (details.outcome) record.outcome = details.outcome;
  if (details.reviewDate) record.reviewDate = { from: state.reviewDate, to: details.reviewDate };
  return { ok: true, next, record };
}

/**
 * The events this actor could do now, for showing buttons. An event listed here can still be refused
 * for what is entered with it (a missing reason, a renewal date out of range), never for who or when.
 */
export function allowedEvents(state: AlertState, actor: LifecycleActor, now: Date, config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG): AlertEventType[] {
  return ALERT_EVENTS.filter((type) => refusalFor(state, type, actor, now, config) === null);
}
