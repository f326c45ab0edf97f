/**
 * Who is acting, for whom, from where. Every service call takes one: the access policy decides on the
 * actor, and the audit trail records all of it.
 */
export interface Actor {
  userId: string;
  displayName: string;
  membershipId: string;
  organisationId: string;
  organisationName: string;
  role: Role;
  unitId: string | null;
}

export interface RequestContext {
  /** Absent for the system itself (jobs, the command line) and for people not signed in. */
  actor: Actor | null;
  ip: string | null;
  correlationId: string;
  /** A name for the system actor when there is no person (e.g. `cli`, `worker`). */
  system?: string;
  /** Set when a machine client is acting (a bearer token): the actor is its account; the audit names it, and whom it acted for. */
  client?: ClientActing;
}

/** The person a calling system says it acts for (the `Beacon-End-User` header): recorded, never trusted for access. */
export interface EndUser {
  name: string;
  role: string | null;
}

export interface ClientActing {
  id: string;
  name: string;
  endUser: EndUser | null;
}

/** How the audit trail names a client, and the person it acted for. */
export function auditName(client: ClientActing): string {
  const base = `${client.name} (API client)`;
  const u = client.endUser;
  return u ? `${base} for ${u.name}${u.role ? ` (${u.role})` : ''}` : base;
}

export const ROLES = [
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
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  point_of_care: 'Point-of-care clinician',
  safeguarding_practitioner: 'Safeguarding practitioner',
  designated_professional: 'Designated or named professional (approver)',
  unit_coordinator: 'Unit alert coordinator',
  social_worker: 'Social worker',
  partnership_manager: 'Partnership manager',
  auditor: 'Auditor (read only)',
  system_admin: 'System administrator',
  training_admin: 'Training administrator (partnership)',
  subgroup_chair: 'Subgroup chair (partnership)',
  board_member: 'Board member (partnership)',
  agency_lead: 'Agency safeguarding lead',
};

export function systemContext(name: string, correlationId = `${name}-${Date.now()}`): RequestContext {
  return { actor: null, ip: null, correlationId, system: name };
}
