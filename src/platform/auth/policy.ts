import type { Actor, RequestContext, Role } from '../context';
import { ForbiddenError } from '../errors';

/**
 * The one access policy. Deny unless a rule here allows. Each action lists the roles that may take it
 * and, where the answer depends on the thing acted on, a condition on that resource. Services call
 * `authorize` before they read or change anything; routes never decide access themselves.
 */
export const ACTIONS = [
  'home.view',
  'directory.view',
  'organisation.create',
  'organisation.update',
  'organisation.import',
  'unit.create',
  'unit.update',
  'user.view',
  'user.create',
  'user.update',
  'user.deactivate',
  'audit.view',
  'audit.verify',
  'apiclient.view',
  'apiclient.manage',
  'webhook.manage',
  'alert.raise',
  'alert.list',
  'alert.view',
  'alert.approve',
  'alert.change',
  'alert.inbox',
  'alert.acknowledge',
  'alert.check',
  'alert.screen',
  'alert.screen_approve',
  'presentation.list',
  'presentation.view',
  'presentation.mark_seen',
  'case.open',
  'case.list',
  'case.view',
  'case.update',
  'case.discharge_override',
  'case.override_review',
  'case.report',
  'protocol.view',
  'protocol.configure',
  'escalation.raise',
  'escalation.list',
  'escalation.view',
  'escalation.act',
  'escalation.withdraw',
  'escalation.report',
  'learning.browse',
  'learning.book',
  'learning.manage',
  'learning.register',
  'learning.approve',
  'learning.record',
  'learning.results',
  'learning.survey',
  'learning.needs',
  'library.browse',
  'library.draft',
  'library.author',
  'library.review',
  'library.approve',
  'library.read',
  'library.readership',
  'library.outstanding',
  'library.discuss',
  'assurance.view',
  'assurance.run',
  'assurance.signoff',
  'assurance.configure',
  'tracker.view',
  'tracker.manage',
  'tracker.respond',
  'tracker.qa',
  'tracker.signoff',
  'casefile.view',
  'casefile.manage',
  'casefile.complete',
  'casefile.moderate',
] as const;
export type Action = (typeof ACTIONS)[number];

/** What a condition may look at. */
export interface Resource {
  organisationId?: string | null;
  unitId?: string | null;
  userId?: string | null;
  /** Units an alert has been delivered to (its recipients may read it). */
  unitIds?: readonly string[] | null;
  /** The actor's organisation is in the same ICB area as the alert's originating organisation. */
  sameIcb?: boolean;
  /** Organisations working on a case or party to an escalation (their staff may see and work on it). */
  organisationIds?: readonly string[] | null;
  /** The thing belongs to the actor's own partnership area (e.g. a protocol for their local authority area). */
  inActorsArea?: boolean;
  /** The people named as line manager of the person the thing is about (a booking, a training record). */
  managerUserIds?: readonly string[] | null;
  /** The people named as trainers of a training session. */
  trainerUserIds?: readonly string[] | null;
  /** The people named as reviewers of a document version. */
  reviewerUserIds?: readonly string[] | null;
}

/**
 * The conditions a rule may put on the thing acted on, by name. Naming them (rather than writing a
 * function in each rule) lets the same rule decide one record (`can`) and a whole list (`scopeFor`): a
 * capability turns each condition into SQL for its own table, so a list can never show what a single
 * read would refuse, nor hide what it would allow.
 */
export const CONDITIONS = {
  /** The thing belongs to the actor's organisation (an alert raised there, a screening list of theirs). */
  ownOrganisation: (a: Actor, r: Resource | undefined) => !!r?.organisationId && r.organisationId === a.organisationId,
  /** The thing is the actor's own unit. */
  ownUnit: (a: Actor, r: Resource | undefined) => !!a.unitId && r?.unitId === a.unitId,
  /** The thing was delivered to the actor's unit (an alert in a unit's inbox). */
  deliveredToOwnUnit: (a: Actor, r: Resource | undefined) => !!a.unitId && !!r?.unitIds?.includes(a.unitId),
  /** The actor's organisation is in the same ICB as the thing's organisation (an alert past drafting). Not a partnership area: see inArea. */
  sameIcb: (_a: Actor, r: Resource | undefined) => r?.sameIcb === true,
  /** The actor's organisation works on it (an agency on a case, a party to an escalation). */
  involved: (a: Actor, r: Resource | undefined) => !!r?.organisationIds?.includes(a.organisationId),
  /** The thing is in the actor's own partnership area (its geography, or an area inside it). */
  inArea: (_a: Actor, r: Resource | undefined) => r?.inActorsArea === true,
  /** The thing is another person, not the actor. */
  notSelf: (a: Actor, r: Resource | undefined) => !!r?.userId && r.userId !== a.userId,
  /** The thing is the actor's own (their booking, their training record). */
  self: (a: Actor, r: Resource | undefined) => !!r?.userId && r.userId === a.userId,
  /** The actor is the named line manager of the person it is about. */
  managerOf: (a: Actor, r: Resource | undefined) => !!r?.managerUserIds?.includes(a.userId),
  /** The actor is a named trainer of the session. */
  trainsSession: (a: Actor, r: Resource | undefined) => !!r?.trainerUserIds?.includes(a.userId),
  /** The actor is a named reviewer of the document version. */
  namedReviewer: (a: Actor, r: Resource | undefined) => !!r?.reviewerUserIds?.includes(a.userId),
} as const;
export type Condition = keyof typeof CONDITIONS;

type Rule = { roles: readonly Role[]; when?: Condition };
const everyone: readonly Role[] = [
  'point_of_care',
  'safeguarding_practitioner',
  'designated_professional',
  'unit_coordinator',
  'social_worker',
  'partnership_manager',
  'auditor',
  'system_admin',
  'training_admin',
  'subgroup_chair',
  'board_member',
  'agency_lead',
];

/** Who may raise and manage alerts for their organisation. */
const raisers: readonly Role[] = ['safeguarding_practitioner', 'designated_professional', 'social_worker'];

/** Who works on concealed pregnancy / unborn baby protocol cases. */
const caseWorkers: readonly Role[] = ['point_of_care', 'safeguarding_practitioner', 'designated_professional', 'unit_coordinator', 'social_worker'];
/** Health clinicians who may record a discharge past the gate (naming the senior clinician who decided). */
const dischargeOverriders: readonly Role[] = ['point_of_care', 'safeguarding_practitioner', 'designated_professional'];

/** Who writes and looks after a partnership's documents. */
const libraryAuthors: readonly Role[] = ['designated_professional', 'partnership_manager', 'training_admin'];

/** The partnership's own people in the review tracker (besides its manager and designated professionals). */
const trackerPeople: readonly Role[] = ['subgroup_chair', 'board_member', 'agency_lead'];
/** Who completes their own agency's section of a case-file audit: its safeguarding lead, its designated or named professional. */
const caseFileAuditors: readonly Role[] = ['agency_lead', 'designated_professional'];

const RULES: Record<Action, Rule[]> = {
  'home.view': [{ roles: everyone }],
  // The directory holds organisations, units and their duty contacts: no personal data about patients.
  'directory.view': [{ roles: everyone }],
  'organisation.create': [{ roles: ['system_admin'] }],
  'organisation.update': [{ roles: ['system_admin'] }],
  'organisation.import': [{ roles: ['system_admin'] }],
  'unit.create': [{ roles: ['system_admin'] }],
  'unit.update': [
    { roles: ['system_admin'] },
    // A unit's coordinator keeps its own contact details current, and no other unit's.
    { roles: ['unit_coordinator'], when: 'ownUnit' },
  ],
  'user.view': [{ roles: ['system_admin', 'auditor'] }],
  'user.create': [{ roles: ['system_admin'] }],
  'user.update': [{ roles: ['system_admin'] }],
  'user.deactivate': [
    // An administrator may not deactivate their own account (there must always be one left to act).
    { roles: ['system_admin'], when: 'notSelf' },
  ],
  'audit.view': [{ roles: ['auditor', 'system_admin'] }],
  'audit.verify': [{ roles: ['auditor', 'system_admin'] }],
  // Machine clients (src/clients): registered, re-keyed and suspended by administrators; auditors may look.
  'apiclient.view': [{ roles: ['system_admin', 'auditor'] }],
  'apiclient.manage': [{ roles: ['system_admin'] }],
  // Webhooks (src/webhooks): an organisation's staff (or its API client) subscribe its endpoints; administrators any organisation's.
  'webhook.manage': [
    { roles: ['point_of_care', 'safeguarding_practitioner', 'designated_professional', 'unit_coordinator', 'social_worker'], when: 'ownOrganisation' },
    { roles: ['system_admin'] },
  ],

  // Alerts: need to know. Raisers work within their own organisation; approvers (designated
  // professionals) also for organisations in their ICB area; a unit's coordinator reads what was
  // delivered to that unit; auditors read for assurance (every read audited). Point-of-care staff never
  // browse alerts: they search (identity matching) and see only what they act on.
  'alert.raise': [{ roles: raisers }],
  'alert.list': [{ roles: raisers }],
  'alert.view': [
    { roles: raisers, when: 'ownOrganisation' },
    { roles: ['designated_professional'], when: 'sameIcb' },
    { roles: ['unit_coordinator'], when: 'deliveredToOwnUnit' },
    { roles: ['auditor'] },
  ],
  'alert.approve': [
    { roles: ['designated_professional'], when: 'ownOrganisation' },
    { roles: ['designated_professional'], when: 'sameIcb' },
  ],
  'alert.change': [{ roles: raisers, when: 'ownOrganisation' }],
  'alert.inbox': [{ roles: ['unit_coordinator'] }],
  'alert.acknowledge': [{ roles: ['unit_coordinator'], when: 'ownUnit' }],

  // Point-of-care check (identity matching): the people who may have her in front of them search the
  // register, reveal a match they found (with a reason, audited) and record whether it is her. What a
  // search reveals is limited to that match; searching is not browsing.
  'alert.check': [{ roles: ['point_of_care', 'unit_coordinator', 'safeguarding_practitioner', 'designated_professional'] }],
  // Screening a whole list (bookings, admissions) is for the teams that receive and act on alerts, not every clinician.
  'alert.screen': [{ roles: ['unit_coordinator', 'safeguarding_practitioner', 'designated_professional'] }],
  // A list over the screening budget waits for a designated professional of the same organisation.
  'alert.screen_approve': [{ roles: ['designated_professional'], when: 'ownOrganisation' }],
  // Presentations (she was seen somewhere): the alert's owners. The list shows only their organisation's
  // alerts (and, for approvers, alerts they approved); one presentation as for the alert it belongs to.
  'presentation.list': [{ roles: raisers }],
  'presentation.view': [{ roles: raisers, when: 'ownOrganisation' }, { roles: ['designated_professional'], when: 'sameIcb' }, { roles: ['auditor'] }],
  // Marking one seen is the owners' work, not the auditor's (who reads, and changes nothing).
  'presentation.mark_seen': [
    { roles: raisers, when: 'ownOrganisation' },
    { roles: ['designated_professional'], when: 'sameIcb' },
  ],

  // Cases: visible to the organisations working on them (case_organisations), and to auditors (every
  // read audited). Anyone who works on cases may open one (an unbooked woman arrives in labour at night);
  // their organisation is then on it. Other agencies see it once they are added to it.
  'case.open': [{ roles: ['point_of_care', 'safeguarding_practitioner', 'designated_professional', 'social_worker'] }],
  'case.list': [{ roles: [...caseWorkers, 'auditor'] }],
  'case.view': [{ roles: caseWorkers, when: 'involved' }, { roles: ['auditor'] }],
  'case.update': [{ roles: caseWorkers, when: 'involved' }],
  // Discharge past the gate is a clinical decision: social workers are told, they do not override it.
  'case.discharge_override': [{ roles: dischargeOverriders, when: 'involved' }],
  // The safeguarding lead reviews every override flagged to them.
  'case.override_review': [{ roles: ['safeguarding_practitioner', 'designated_professional'], when: 'involved' }],
  // Counts for assurance (overrides, overdue milestones): no personal data. An auditor everywhere; the
  // rest for cases in their partnership area and cases their organisation works on.
  'case.report': [
    { roles: ['auditor'] },
    { roles: ['designated_professional', 'partnership_manager'], when: 'inArea' },
    { roles: ['designated_professional', 'partnership_manager'], when: 'involved' },
  ],
  // Protocol configuration: anyone working on cases may read it (and the training team, who teach it); a partnership edits its own area's,
  // an administrator the national default.
  'protocol.view': [{ roles: [...caseWorkers, 'partnership_manager', 'auditor', 'system_admin', 'training_admin'] }],
  'protocol.configure': [{ roles: ['partnership_manager'], when: 'inArea' }, { roles: ['system_admin'] }],

  // Escalations between agencies: the parties (raising agency, agency raised with, agencies on the case)
  // and the partnership for its area (stage 4 is theirs).
  'escalation.raise': [{ roles: caseWorkers }],
  'escalation.list': [{ roles: [...caseWorkers, 'partnership_manager', 'auditor'] }],
  'escalation.view': [{ roles: caseWorkers, when: 'involved' }, { roles: ['partnership_manager'], when: 'inArea' }, { roles: ['auditor'] }],
  'escalation.act': [
    { roles: caseWorkers, when: 'involved' },
    { roles: ['partnership_manager'], when: 'inArea' },
  ],
  // Withdrawn by the agency that raised it (it no longer disagrees), or by the partnership for its area.
  'escalation.withdraw': [
    { roles: caseWorkers, when: 'ownOrganisation' },
    { roles: ['partnership_manager'], when: 'inArea' },
  ],
  // Counts for the partnership view: an auditor everywhere; the rest for their own partnership area.
  'escalation.report': [{ roles: ['auditor'] }, { roles: ['designated_professional', 'partnership_manager'], when: 'inArea' }],

  // Learning. Every professional is a delegate: they browse the partnership's catalogue and book a place
  // for themselves. A training administrator runs the courses of their own partnership area (courses,
  // sessions, bookings for others, late cancellations, registers, surveys); a trainer marks the register
  // of the sessions they are named on; a line manager approves their team's bookings and sees their
  // records; an organisation's designated or named professional (its safeguarding lead) sees its
  // people's records; results are counts for the partnership and the training team (small groups withheld).
  'learning.browse': [{ roles: everyone }],
  'learning.book': [
    { roles: everyone, when: 'self' },
    { roles: ['training_admin'], when: 'inArea' },
  ],
  'learning.manage': [{ roles: ['training_admin'], when: 'inArea' }],
  'learning.register': [
    { roles: ['training_admin'], when: 'inArea' },
    { roles: everyone, when: 'trainsSession' },
  ],
  'learning.approve': [{ roles: everyone, when: 'managerOf' }],
  'learning.record': [
    { roles: everyone, when: 'self' },
    { roles: everyone, when: 'managerOf' },
    { roles: ['designated_professional'], when: 'ownOrganisation' },
    { roles: ['training_admin'], when: 'inArea' },
    { roles: ['auditor'] },
  ],
  'learning.results': [
    { roles: ['training_admin', 'partnership_manager'], when: 'inArea' },
    { roles: everyone, when: 'trainsSession' },
    { roles: ['auditor'] },
  ],
  'learning.survey': [{ roles: ['training_admin'], when: 'inArea' }],
  // The learning needs analysis (review rounds, workforce coverage, courses × topics): the partnership's
  // training administrators and managers for their own area, auditors everywhere. Changing it (starting a
  // round, recording findings, importing headcounts) is learning.manage; its owner signs a round off.
  'learning.needs': [{ roles: ['training_admin', 'partnership_manager'], when: 'inArea' }, { roles: ['auditor'] }],

  // The library. Published documents are for every professional (and the public page). A partnership's
  // authors (its designated professionals, manager and training team) write and look after the documents
  // of their area, including the ones shared with it, and circulate them; named reviewers read and comment
  // on the version they are named on; the partnership manager records the approval the partnership's group
  // gave. Each person reads and acknowledges what they were asked to read. Readership is counts for the
  // partnership; the outstanding list names people, for their own organisation's safeguarding lead.
  'library.browse': [{ roles: everyone }],
  'library.draft': [{ roles: libraryAuthors, when: 'inArea' }, { roles: everyone, when: 'namedReviewer' }, { roles: ['auditor'] }],
  'library.author': [{ roles: libraryAuthors, when: 'inArea' }],
  'library.review': [{ roles: everyone, when: 'namedReviewer' }],
  'library.approve': [{ roles: ['partnership_manager'], when: 'inArea' }],
  'library.read': [{ roles: everyone, when: 'self' }],
  'library.readership': [{ roles: libraryAuthors, when: 'inArea' }, { roles: ['auditor'] }],
  'library.outstanding': [{ roles: ['designated_professional'], when: 'ownOrganisation' }, { roles: ['auditor'] }],
  'library.discuss': [{ roles: [...caseWorkers, 'partnership_manager', 'training_admin'] }],

  // Assurance audits, computed from the records (figures and references, no personal details): a partnership's
  // manager and its designated professionals read and run its audits; the manager signs a run off (freezing it)
  // and sets the criteria the partnership audits against; auditors read every partnership's.
  'assurance.view': [{ roles: ['partnership_manager', 'designated_professional'], when: 'inArea' }, { roles: ['auditor'] }],
  'assurance.run': [{ roles: ['partnership_manager', 'designated_professional'], when: 'inArea' }],
  'assurance.signoff': [{ roles: ['partnership_manager'], when: 'inArea' }],
  'assurance.configure': [{ roles: ['partnership_manager'], when: 'inArea' }],

  // The review tracker (reviews → recommendations → responses → actions → evidence). The partnership's
  // manager, designated professionals, subgroup chairs, board members and agency leads read their own
  // partnership's; auditors every partnership's. The manager and subgroup chairs record reviews,
  // recommendations and actions; an agency's lead (or its designated professional) answers for their own
  // organisation — its response, its actions' progress and evidence — and the manager for the board. The
  // responsible subgroup's chair quality-assures a recommendation's completed actions; a board member signs it off.
  'tracker.view': [{ roles: ['partnership_manager', 'designated_professional', ...trackerPeople], when: 'inArea' }, { roles: ['auditor'] }],
  'tracker.manage': [{ roles: ['partnership_manager', 'subgroup_chair'], when: 'inArea' }],
  'tracker.respond': [
    { roles: ['agency_lead', 'designated_professional'], when: 'ownOrganisation' },
    { roles: ['partnership_manager', 'subgroup_chair'], when: 'inArea' },
  ],
  'tracker.qa': [{ roles: ['subgroup_chair'], when: 'inArea' }],
  'tracker.signoff': [{ roles: ['board_member'], when: 'inArea' }],

  // Multi-agency case-file audits: the partnership's people read its rounds (figures, case references, the
  // answers of the auditors — no personal details), auditors every partnership's; the manager and subgroup
  // chairs keep the templates, start rounds, record the discussion and the findings; each agency's own
  // safeguarding lead or designated / named professional completes its sections from its records; a
  // second auditor of the partnership — never the one who completed it — moderates.
  'casefile.view': [{ roles: ['partnership_manager', 'designated_professional', ...trackerPeople], when: 'inArea' }, { roles: ['auditor'] }],
  'casefile.manage': [{ roles: ['partnership_manager', 'subgroup_chair'], when: 'inArea' }],
  'casefile.complete': [{ roles: caseFileAuditors, when: 'ownOrganisation' }],
  'casefile.moderate': [{ roles: ['partnership_manager', 'subgroup_chair', 'designated_professional'], when: 'inArea' }],
};

export function can(actor: Actor | null, action: Action, resource?: Resource): boolean {
  if (!actor) return false;
  const rules = RULES[action];
  if (!rules) return false;
  return rules.some((rule) => rule.roles.includes(actor.role) && (!rule.when || CONDITIONS[rule.when](actor, resource)));
}

/**
 * Whether any rule lets this person take `action` on something: the gate of a list, a report or a menu
 * item, whose rows are then narrowed by {@link scopeFor}. (`can` without a resource is stricter: only
 * an unconditional rule passes.)
 */
export function mayAtAll(actor: Actor | null, action: Action): boolean {
  return !!actor && (RULES[action] ?? []).some((rule) => rule.roles.includes(actor.role));
}

/** Which records a list may show: all of them, none, or those meeting any of these conditions. */
export type Scope = { kind: 'all' } | { kind: 'none' } | { kind: 'some'; conditions: readonly Condition[] };

/**
 * The rows this person may take `action` on, from the same rules as `can`: a capability turns the
 * conditions into SQL on its own table (platform/auth/scope.ts `sqlScope`). An unconditional rule for the
 * role means every row.
 */
export function scopeFor(actor: Actor | null, action: Action): Scope {
  if (!actor) return { kind: 'none' };
  const rules = (RULES[action] ?? []).filter((rule) => rule.roles.includes(actor.role));
  if (!rules.length) return { kind: 'none' };
  if (rules.some((rule) => !rule.when)) return { kind: 'all' };
  return { kind: 'some', conditions: [...new Set(rules.map((rule) => rule.when!))] };
}

/** For each condition, the roles some rule of the policy puts it on: worked out once, from the table. */
const ROLES_USING: ReadonlyMap<Condition, ReadonlySet<Role>> = (() => {
  const out = new Map<Condition, Set<Role>>();
  for (const rules of Object.values(RULES) as Rule[][])
    for (const rule of rules) if (rule.when) for (const role of rule.roles) out.set(rule.when, (out.get(rule.when) ?? new Set()).add(role));
  return out;
})();

/** Whether any rule for this person's role, on any action, uses this condition (so a resource needs it worked out). */
export function usesCondition(actor: Actor | null, condition: Condition): boolean {
  return !!actor && !!ROLES_USING.get(condition)?.has(actor.role);
}

export function authorize(actor: Actor | null, action: Action, resource?: Resource): asserts actor is Actor {
  if (!can(actor, action, resource)) throw new ForbiddenError(action);
}

/**
 * As `authorize`, for a whole request context. The system itself (the `beacon` command line run by an
 * operator with the server's credentials, and scheduled jobs) has no actor and is trusted; anyone else
 * without an actor is denied.
 */
export function authorizeContext(ctx: RequestContext, action: Action, resource?: Resource): void {
  if (!ctx.actor && ctx.system) return;
  authorize(ctx.actor, action, resource);
}

/**
 * The gate of a list or report: refuse anyone no rule lets take `action` on anything, and return the
 * scope the rows must be narrowed to (every row for the system itself).
 */
export function authorizeList(ctx: RequestContext, action: Action): Scope {
  if (!ctx.actor && ctx.system) return { kind: 'all' };
  if (!mayAtAll(ctx.actor, action)) throw new ForbiddenError(action);
  return scopeFor(ctx.actor, action);
}
