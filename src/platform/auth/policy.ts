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
  'alert.raise',
  'alert.list',
  'alert.view',
  'alert.approve',
  'alert.change',
  'alert.inbox',
  'alert.acknowledge',
  'alert.check',
  'alert.screen',
  'presentation.list',
  'presentation.view',
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
  sameArea?: boolean;
}

type Rule = { roles: readonly Role[]; when?: (actor: Actor, resource: Resource | undefined) => boolean };

const everyone: readonly Role[] = [
  'point_of_care',
  'safeguarding_practitioner',
  'designated_professional',
  'unit_coordinator',
  'social_worker',
  'partnership_manager',
  'auditor',
  'system_admin',
];

/** Who may raise and manage alerts for their organisation. */
const raisers: readonly Role[] = ['safeguarding_practitioner', 'designated_professional', 'social_worker'];

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
    { roles: ['unit_coordinator'], when: (a, r) => !!a.unitId && r?.unitId === a.unitId },
  ],
  'user.view': [{ roles: ['system_admin', 'auditor'] }],
  'user.create': [{ roles: ['system_admin'] }],
  'user.update': [{ roles: ['system_admin'] }],
  'user.deactivate': [
    // An administrator may not deactivate their own account (there must always be one left to act).
    { roles: ['system_admin'], when: (a, r) => !!r?.userId && r.userId !== a.userId },
  ],
  'audit.view': [{ roles: ['auditor', 'system_admin'] }],
  'audit.verify': [{ roles: ['auditor', 'system_admin'] }],

  // Alerts: need to know. Raisers work within their own organisation; approvers (designated
  // professionals) also for organisations in their ICB area; a unit's coordinator reads what was
  // delivered to that unit; auditors read for assurance (every read audited). Point-of-care staff never
  // browse alerts: they search (identity matching) and see only what they act on.
  'alert.raise': [{ roles: raisers }],
  'alert.list': [{ roles: raisers }],
  'alert.view': [
    { roles: raisers, when: (a, r) => !!r?.organisationId && r.organisationId === a.organisationId },
    { roles: ['designated_professional'], when: (_a, r) => r?.sameArea === true },
    { roles: ['unit_coordinator'], when: (a, r) => !!a.unitId && !!r?.unitIds?.includes(a.unitId) },
    { roles: ['auditor'] },
  ],
  'alert.approve': [{ roles: ['designated_professional'], when: (a, r) => (!!r?.organisationId && r.organisationId === a.organisationId) || r?.sameArea === true }],
  'alert.change': [{ roles: raisers, when: (a, r) => !!r?.organisationId && r.organisationId === a.organisationId }],
  'alert.inbox': [{ roles: ['unit_coordinator'] }],
  'alert.acknowledge': [{ roles: ['unit_coordinator'], when: (a, r) => !!a.unitId && r?.unitId === a.unitId }],

  // Point-of-care check (identity matching): the people who may have her in front of them search the
  // register, reveal a match they found (with a reason, audited) and record whether it is her. What a
  // search reveals is limited to that match; searching is not browsing.
  'alert.check': [{ roles: ['point_of_care', 'unit_coordinator', 'safeguarding_practitioner', 'designated_professional'] }],
  // Screening a whole list (bookings, admissions) is for the teams that receive and act on alerts, not every clinician.
  'alert.screen': [{ roles: ['unit_coordinator', 'safeguarding_practitioner', 'designated_professional'] }],
  // Presentations (she was seen somewhere): the alert's owners. The list shows only their organisation's
  // alerts (and, for approvers, alerts they approved); one presentation as for the alert it belongs to.
  'presentation.list': [{ roles: raisers }],
  'presentation.view': [
    { roles: raisers, when: (a, r) => !!r?.organisationId && r.organisationId === a.organisationId },
    { roles: ['designated_professional'], when: (_a, r) => r?.sameArea === true },
    { roles: ['auditor'] },
  ],
};

export function can(actor: Actor | null, action: Action, resource?: Resource): boolean {
  if (!actor) return false;
  const rules = RULES[action];
  if (!rules) return false;
  return rules.some((rule) => rule.roles.includes(actor.role) && (!rule.when || rule.when(actor, resource)));
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
