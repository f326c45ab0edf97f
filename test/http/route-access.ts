/**
 * Who may use each route the service serves, for the permissions matrix (route-matrix.test.ts), which
 * reads Fastify's own route table: a route without an entry here fails it. Written out in full, so a
 * change to who may do what is a change to this file, reviewed like code.
 *
 * Each value is one of:
 *   'public'   anyone, signed in or not;
 *   'session'  the sign-in journey (reachable signed out; its own tests walk it);
 *   '*'        every signed-in person in any role;
 *   names      the demo people (below) who get past the gate with the fixtures' records (route-fixtures.ts);
 *              everyone else must be refused: 403, or 404 where the record is out of their sight;
 *   ''         nobody among the demo people.
 * "Gets past the gate" means no 401 or 403: a 400 for an empty form, or a 404 for a record the fixtures
 * leave missing (a photograph, a meeting), is past it.
 */
export const PEOPLE = {
  /** system_admin, Beacon's own organisation */
  admin: 'admin@beacon.example',
  /** safeguarding_practitioner, University Hospital Southampton (RHM): raised the demo alert, leads the Southampton case */
  midwife: 'midwife@beacon.example',
  /** designated_professional, Hampshire and Isle of Wight ICB: approved the demo alert */
  designated: 'designated@beacon.example',
  /** unit_coordinator, Princess Anne Hospital maternity unit (RHM): the alert was sent to the unit */
  coordPah: 'coordinator.pah@beacon.example',
  /** unit_coordinator, Queen Alexandra Hospital maternity unit (Portsmouth, RHU) */
  coordQah: 'coordinator.qah@beacon.example',
  /** point_of_care, Queen Alexandra Hospital emergency department: searched, revealed, confirmed */
  ed: 'ed.nurse@beacon.example',
  /** social_worker, Southampton City Council: working on the Southampton case, not on the alert */
  social: 'social.worker@beacon.example',
  /** partnership_manager, the safeguarding partnership */
  partnership: 'partnership@beacon.example',
  /** auditor, the ICB's quality and assurance lead */
  auditor: 'auditor@beacon.example',
} as const;
export type Person = keyof typeof PEOPLE;

export const ROUTE_ACCESS: Record<string, string> = {
  // ── Public pages and the sign-in journey (the journey is exercised by its own tests: walking it here would sign the demo people out)
  'GET /': '*',
  'GET /ping': 'public',
  'GET /health': 'public',
  'GET /accessibility': 'public',
  'GET /privacy': 'public',
  'GET /choose-role': '*',
  'GET /account': '*',
  'GET /account/two-factor': '*',
  'GET /api/openapi.json': 'public',
  'GET /api/session': '*',
  'GET /sign-in': 'session',
  'POST /sign-in': 'session',
  'GET /sign-in/code': 'session',
  'POST /sign-in/code': 'session',
  'POST /choose-role': 'session',
  'GET /no-role': 'session',
  'POST /sign-out': 'session',
  'POST /account/two-factor': 'session',
  'GET /account/setup/:token': 'session',
  'POST /account/setup/:token': 'session',

  // ── People, organisations, units, the audit log: administrators; the auditor reads
  'GET /users': 'admin auditor',
  'GET /users/new': 'admin',
  'GET /users/:id': 'admin auditor',
  'GET /organisations': '*',
  'GET /organisations/new': 'admin',
  'GET /organisations/:id': '*',
  'GET /organisations/:id/edit': 'admin',
  'GET /organisations/:id/units/new': 'admin',
  'GET /units/:id/edit': 'admin coordPah',
  'GET /audit': 'admin auditor',
  'POST /users': 'admin',
  'POST /users/:id/deactivate': 'admin',
  'POST /users/:id/reactivate': 'admin',
  'POST /users/:id/roles': 'admin',
  'POST /users/:id/roles/:membershipId/remove': 'admin',
  'POST /users/:id/setup-link': 'admin',
  'POST /organisations': 'admin',
  'POST /organisations/:id': 'admin',
  'POST /organisations/:id/units': 'admin',
  'POST /units/:id': 'admin coordPah',
  'POST /audit/verify': 'admin auditor',

  // ── The alert register: raisers, approvers, the units it was sent to, the auditor. Point-of-care staff and social workers who did not raise it never read an alert here
  'GET /alerts': 'midwife designated social',
  'GET /alerts/new': 'midwife designated social',
  'GET /alerts/:id/steps/:step': 'midwife',
  'GET /alerts/:id/check': 'midwife',
  'GET /alerts/approvals': 'designated',
  'GET /inbox': 'coordPah coordQah',
  'GET /alerts/:id': 'midwife designated coordPah coordQah auditor',
  'GET /alerts/:id/photos/:photoId': 'midwife designated coordPah coordQah auditor',
  'GET /alerts/:id/approve': 'midwife designated coordPah coordQah auditor',
  'GET /alerts/:id/return': 'midwife designated coordPah coordQah auditor',
  'GET /alerts/:id/renew': 'midwife designated coordPah coordQah auditor',
  'GET /alerts/:id/stand-down': 'midwife designated coordPah coordQah auditor',
  'GET /alerts/:id/cancel': 'midwife designated coordPah coordQah auditor',
  'GET /alerts/:id/birth': 'midwife designated coordPah coordQah auditor',
  'GET /alerts/:id/update': 'midwife designated coordPah coordQah auditor',
  'GET /api/alerts': 'midwife designated social',
  'GET /api/alerts/:id/photos/:photoId': 'midwife designated coordPah coordQah auditor',
  'GET /api/alerts/approvals': 'midwife designated social',
  'GET /api/alerts/inbox': 'coordPah coordQah',
  'GET /api/alerts/:id': 'midwife designated coordPah coordQah auditor',
  'POST /alerts': 'midwife designated social',
  'POST /alerts/:id/steps/:step': 'midwife',
  'POST /alerts/:id/photos': 'midwife',
  'POST /alerts/:id/submit': 'midwife',
  'POST /inbox/:deliveryId/acknowledge': 'coordPah',
  'POST /alerts/:id/approve': 'designated',
  'POST /alerts/:id/return': 'designated',
  'POST /alerts/:id/renew': 'midwife',
  'POST /alerts/:id/stand-down': 'midwife',
  'POST /alerts/:id/cancel': 'midwife',
  'POST /alerts/:id/birth': 'midwife',
  'POST /alerts/:id/update': 'midwife',
  'POST /api/alerts': 'midwife designated social',
  'PUT /api/alerts/:id/draft': 'midwife',
  'POST /api/alerts/:id/photos': 'midwife',
  'POST /api/alerts/:id/submit': 'midwife',
  'POST /api/alerts/:id/approve': 'designated',
  'POST /api/alerts/:id/return': 'designated',
  'POST /api/alerts/:id/update': 'midwife',
  'POST /api/alerts/:id/renew': 'midwife',
  'POST /api/alerts/:id/birth': 'midwife',
  'POST /api/alerts/:id/stand-down': 'midwife',
  'POST /api/alerts/:id/cancel': 'midwife',
  'POST /api/alerts/deliveries/:deliveryId/acknowledge': 'coordPah',

  // ── The point-of-care check and presentations: a search and its reveal belong to the clinician who made them
  'GET /check': 'midwife designated coordPah coordQah ed',
  'GET /check/searches/:id': 'ed',
  'GET /check/reveals/:id': 'ed',
  'GET /check/reveals/:id/photos/:photoId': 'ed',
  'GET /presentations': 'midwife designated social',
  'GET /presentations/:id': 'midwife designated auditor',
  'GET /api/check/searches/:id': 'ed',
  'GET /api/check/reveals/:id': 'ed',
  'GET /api/presentations': 'midwife designated social',
  'GET /api/presentations/:id': 'midwife designated auditor',
  'POST /check': 'midwife designated coordPah coordQah ed',
  'POST /check/searches/:id/reveal': 'ed',
  'POST /check/reveals/:id/outcome': 'ed',
  'POST /presentations/:id/seen': 'midwife designated',
  'POST /api/check': 'midwife designated coordPah coordQah ed',
  'POST /api/check/searches/:id/reveal': 'ed',
  'POST /api/check/reveals/:id/outcome': 'ed',
  'POST /api/presentations/:id/seen': 'midwife designated',

  // ── Bulk screening: a run belongs to the person who uploaded it; approval is a designated professional of the same organisation (the demo run needs none)
  'GET /screening': 'midwife designated coordPah coordQah',
  'GET /screening/:id': 'coordQah',
  'GET /screening/:id/matches.csv': 'coordQah',
  'POST /screening': 'midwife designated coordPah coordQah',
  'POST /screening/:id/decision': '',

  // ── Cases (the Southampton demo case: led by University Hospital Southampton, with Southampton City Council working on it)
  'GET /cases': 'midwife designated coordPah coordQah ed social auditor',
  'GET /cases/new': 'midwife designated ed social',
  'GET /cases/:id': 'midwife coordPah social auditor',
  'GET /cases/:id/:form': 'midwife coordPah social auditor',
  'GET /cases/:id/details': 'midwife coordPah social auditor',
  'GET /cases/:id/details/facts/:factId/supersede': 'midwife coordPah social auditor',
  'GET /cases/:id/milestones': 'midwife coordPah social auditor',
  'GET /cases/:id/milestones/:key': 'midwife coordPah social auditor',
  'GET /cases/overdue': 'midwife designated coordPah coordQah ed social auditor',
  'GET /cases/:id/labour': 'midwife coordPah social auditor',
  'GET /cases/:id/birth-plan': 'midwife coordPah social auditor',
  'GET /cases/:id/birth-plan/edit': 'midwife coordPah social auditor',
  'GET /cases/:id/birth-plan/distributions/:distributionId': 'midwife coordPah social auditor',
  'GET /cases/:id/discharge': 'midwife coordPah social auditor',
  'GET /cases/:id/chronology': 'midwife coordPah social auditor',
  'GET /cases/prompts': 'midwife designated coordPah coordQah ed social auditor',
  'GET /api/cases': 'midwife designated coordPah coordQah ed social auditor',
  'GET /api/cases/:id': 'midwife coordPah social auditor',
  'GET /api/cases/:id/facts': 'midwife coordPah social auditor',
  'GET /api/cases/:id/milestones': 'midwife coordPah social auditor',
  'GET /api/cases/:id/labour-checklist': 'midwife coordPah social auditor',
  'GET /api/cases/:id/birth-plan': 'midwife coordPah social auditor',
  'GET /api/cases/:id/discharge': 'midwife coordPah social auditor',
  'GET /api/cases/prompts': 'midwife designated coordPah coordQah ed social auditor',
  'GET /api/cases/:id/chronology': 'midwife coordPah social auditor',
  'GET /api/cases/:id/prompts': 'midwife coordPah social auditor',
  'POST /cases/new': 'midwife designated ed social',
  'POST /cases/:id/:form': 'midwife coordPah social',
  'POST /cases/:id/professionals/:professionalId/end': 'midwife coordPah social',
  'POST /cases/:id/details': 'midwife coordPah social',
  'POST /cases/:id/details/facts/:factId/supersede': 'midwife coordPah social',
  'POST /cases/:id/milestones/move': 'midwife coordPah social',
  'POST /cases/:id/milestones/:key/done': 'midwife coordPah social',
  'POST /cases/:id/milestones/:key/not-applicable': 'midwife coordPah social',
  'POST /cases/:id/milestones/:key/undo': 'midwife coordPah social',
  'POST /cases/:id/labour/:item': 'midwife coordPah social',
  'POST /cases/:id/birth-plan/edit': 'midwife coordPah social',
  'POST /cases/:id/birth-plan/distributions/:distributionId': 'midwife coordPah social',
  'POST /cases/:id/discharge/planning': 'midwife coordPah social',
  'POST /cases/:id/discharge/meetings': 'midwife coordPah social',
  'POST /cases/:id/discharge/meetings/:meetingId/held': 'midwife coordPah social',
  'POST /cases/:id/discharge/meetings/:meetingId/cancel': 'midwife coordPah social',
  'POST /cases/:id/discharge/toxicology': 'midwife coordPah social',
  'POST /cases/:id/discharge/toxicology/:testId/result': 'midwife coordPah social',
  'POST /cases/:id/discharge/toxicology/:testId/told': 'midwife coordPah social',
  'POST /cases/:id/discharge/toxicology/:testId/cancel': 'midwife coordPah social',
  'POST /cases/:id/discharge/decisions': 'midwife coordPah social',
  'POST /cases/:id/discharge/decisions/:decisionId/review': 'midwife',
  'POST /cases/:id/chronology': 'midwife coordPah social',
  'POST /cases/:id/prompts/:promptId/answer': 'midwife coordPah social',
  'POST /api/cases': 'midwife designated ed social',
  'POST /api/cases/:id/professionals': 'midwife coordPah social',
  'POST /api/cases/:id/agencies': 'midwife coordPah social',
  'POST /api/cases/:id/withdraw': 'midwife coordPah social',
  'POST /api/cases/:id/alerts': 'midwife coordPah social',
  'POST /api/cases/:id/edd': 'midwife coordPah social',
  'POST /api/cases/:id/birth': 'midwife coordPah social',
  'POST /api/cases/:id/close': 'midwife coordPah social',
  'POST /api/cases/:id/reopen': 'midwife coordPah social',
  'POST /api/cases/:id/professionals/:professionalId/end': 'midwife coordPah social',
  'POST /api/cases/:id/facts': 'midwife coordPah social',
  'POST /api/cases/:id/facts/:factId/supersede': 'midwife coordPah social',
  'POST /api/cases/:id/milestones/:key/complete': 'midwife coordPah social',
  'POST /api/cases/:id/milestones/:key/not-applicable': 'midwife coordPah social',
  'POST /api/cases/:id/milestones/:key/undo': 'midwife coordPah social',
  'POST /api/cases/:id/milestones/move-protocol': 'midwife coordPah social',
  'POST /api/cases/:id/labour-checklist': 'midwife coordPah social',
  'POST /api/cases/:id/birth-plan': 'midwife coordPah social',
  'POST /api/cases/:id/birth-plan/distributions/:distributionId/sent': 'midwife coordPah social',
  'PUT /api/cases/:id/discharge-planning': 'midwife coordPah social',
  'POST /api/cases/:id/discharge-planning/meetings': 'midwife coordPah social',
  'POST /api/cases/:id/discharge-planning/meetings/:meetingId/held': 'midwife coordPah social',
  'POST /api/cases/:id/discharge-planning/meetings/:meetingId/cancel': 'midwife coordPah social',
  'POST /api/cases/:id/toxicology': 'midwife coordPah social',
  'POST /api/cases/:id/toxicology/declined': 'midwife coordPah social',
  'POST /api/cases/:id/toxicology/:testId/result': 'midwife coordPah social',
  'POST /api/cases/:id/toxicology/:testId/told': 'midwife coordPah social',
  'POST /api/cases/:id/toxicology/:testId/cancel': 'midwife coordPah social',
  'POST /api/cases/:id/discharge-decisions': 'midwife coordPah social',
  'POST /api/cases/:id/discharge-decisions/:decisionId/review': 'midwife',
  'POST /api/cases/:id/chronology': 'midwife coordPah social',
  'POST /api/cases/:id/prompts/:promptId/answer': 'midwife coordPah social',

  // ── Protocol configuration: anyone reads, administrators change
  'GET /protocols': '*',
  'GET /protocols/:kind/:geographyCode': '*',
  'GET /protocols/:kind/:geographyCode/edit': 'admin',
  'GET /api/protocols': '*',
  'GET /api/protocols/:kind/:geographyCode': '*',
  'POST /protocols/:kind/:geographyCode/edit': 'admin',
  'POST /api/protocols/:kind/:geographyCode': 'admin',

  // ── Escalations (the demo one: raised by the trust with the council) and the assurance reports
  'GET /escalations': 'midwife designated coordPah coordQah ed social partnership auditor',
  'GET /escalations/new': 'midwife designated coordPah coordQah ed social',
  'GET /escalations/report': 'designated partnership auditor',
  'GET /escalations/:id': 'midwife coordPah social auditor',
  'GET /cases/:id/escalations': 'midwife coordPah social auditor',
  'GET /api/escalations': 'midwife designated coordPah coordQah ed social partnership auditor',
  'GET /api/escalations/report': 'designated partnership auditor',
  'GET /api/escalations/:id': 'midwife coordPah social auditor',
  'GET /assurance/discharge-overrides': 'designated partnership auditor',
  'GET /api/assurance/discharge-overrides': 'designated partnership auditor',
  'POST /escalations/new': 'midwife designated coordPah coordQah ed social',
  'POST /escalations/:id/agreed-actions': 'midwife coordPah social',
  'POST /escalations/:id/escalate': 'midwife coordPah social',
  'POST /escalations/:id/resolve': 'midwife coordPah social',
  'POST /escalations/:id/refer': 'midwife coordPah social',
  'POST /escalations/:id/withdraw': 'midwife coordPah',
  'POST /api/escalations': 'midwife designated coordPah coordQah ed social',
  'POST /api/escalations/:id/escalate': 'midwife coordPah social',
  'POST /api/escalations/:id/agreed-actions': 'midwife coordPah social',
  'POST /api/escalations/:id/resolve': 'midwife coordPah social',
  'POST /api/escalations/:id/refer': 'midwife coordPah social',
  'POST /api/escalations/:id/withdraw': 'midwife coordPah',
};

/** The sign-in journey's routes (walked by their own tests, never by the matrix). */
export const SESSION_ROUTES = Object.keys(ROUTE_ACCESS).filter((r) => ROUTE_ACCESS[r] === 'session');

/** Where the ED nurse legitimately reads the alert's content: the reveal she made, with a reason. */
export const ALERT_CONTENT_ROUTES = ['GET /check/reveals/:id', 'GET /api/check/reveals/:id', 'GET /check/reveals/:id/photos/:photoId'];

/**
 * Writes that take the caller off the record (an agency withdrawing from a case): run after every other
 * permitted write, so they cannot turn a later check into a refusal.
 */
export const LAST_WRITES = ['POST /cases/:id/:form', 'POST /api/cases/:id/withdraw', 'POST /escalations/:id/withdraw', 'POST /api/escalations/:id/withdraw'];
