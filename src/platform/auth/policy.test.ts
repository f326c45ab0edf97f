import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ROLES, type Actor, type Role } from '../context';
import { ForbiddenError } from '../errors';
import { ACTIONS, authorize, authorizeList, CONDITIONS as POLICY_CONDITIONS, can, mayAtAll, scopeFor, type Action, type Resource } from './policy';

/**
 * The access policy, written out in full. A change to the policy must be made here too, on purpose.
 *   Y — allowed whatever the resource
 *   N — never allowed
 *   C — allowed only when the resource condition holds (see CONDITIONS below)
 */
type Cell = 'Y' | 'N' | 'C';

const EXPECTED: Record<Role, Record<Action, Cell>> = {
  point_of_care: {
    'home.view': 'Y',
    'directory.view': 'Y',
    'organisation.create': 'N',
    'organisation.update': 'N',
    'organisation.import': 'N',
    'unit.create': 'N',
    'unit.update': 'N',
    'user.view': 'N',
    'user.create': 'N',
    'user.update': 'N',
    'user.deactivate': 'N',
    'audit.view': 'N',
    'audit.verify': 'N',
    'apiclient.view': 'N',
    'apiclient.manage': 'N',
    'webhook.manage': 'C',
    'alert.raise': 'N',
    'alert.list': 'N',
    'alert.view': 'N',
    'alert.approve': 'N',
    'alert.change': 'N',
    'alert.inbox': 'N',
    'alert.acknowledge': 'N',
    'alert.check': 'Y',
    'alert.screen': 'N',
    'alert.screen_approve': 'N',
    'presentation.list': 'N',
    'presentation.view': 'N',
    'presentation.mark_seen': 'N',
    'case.open': 'Y',
    'case.list': 'Y',
    'case.view': 'C',
    'case.update': 'C',
    'case.discharge_override': 'C',
    'case.override_review': 'N',
    'case.report': 'N',
    'protocol.view': 'Y',
    'protocol.configure': 'N',
    'escalation.raise': 'Y',
    'escalation.list': 'Y',
    'escalation.view': 'C',
    'escalation.act': 'C',
    'escalation.withdraw': 'C',
    'escalation.report': 'N',
    'learning.browse': 'Y',
    'learning.book': 'C',
    'learning.manage': 'N',
    'learning.register': 'C',
    'learning.approve': 'C',
    'learning.record': 'C',
    'learning.results': 'C',
    'learning.survey': 'N',
    'learning.needs': 'N',
    'library.browse': 'Y',
    'library.draft': 'C',
    'library.author': 'N',
    'library.review': 'C',
    'library.approve': 'N',
    'library.read': 'C',
    'library.readership': 'N',
    'library.outstanding': 'N',
    'library.discuss': 'Y',
    'assurance.view': 'N',
    'assurance.run': 'N',
    'assurance.signoff': 'N',
    'assurance.configure': 'N',
  },
  safeguarding_practitioner: {
    'home.view': 'Y',
    'directory.view': 'Y',
    'organisation.create': 'N',
    'organisation.update': 'N',
    'organisation.import': 'N',
    'unit.create': 'N',
    'unit.update': 'N',
    'user.view': 'N',
    'user.create': 'N',
    'user.update': 'N',
    'user.deactivate': 'N',
    'audit.view': 'N',
    'audit.verify': 'N',
    'apiclient.view': 'N',
    'apiclient.manage': 'N',
    'webhook.manage': 'C',
    'alert.raise': 'Y',
    'alert.list': 'Y',
    'alert.view': 'C',
    'alert.approve': 'N',
    'alert.change': 'C',
    'alert.inbox': 'N',
    'alert.acknowledge': 'N',
    'alert.check': 'Y',
    'alert.screen': 'Y',
    'alert.screen_approve': 'N',
    'presentation.list': 'Y',
    'presentation.view': 'C',
    'presentation.mark_seen': 'C',
    'case.open': 'Y',
    'case.list': 'Y',
    'case.view': 'C',
    'case.update': 'C',
    'case.discharge_override': 'C',
    'case.override_review': 'C',
    'case.report': 'N',
    'protocol.view': 'Y',
    'protocol.configure': 'N',
    'escalation.raise': 'Y',
    'escalation.list': 'Y',
    'escalation.view': 'C',
    'escalation.act': 'C',
    'escalation.withdraw': 'C',
    'escalation.report': 'N',
    'learning.browse': 'Y',
    'learning.book': 'C',
    'learning.manage': 'N',
    'learning.register': 'C',
    'learning.approve': 'C',
    'learning.record': 'C',
    'learning.results': 'C',
    'learning.survey': 'N',
    'learning.needs': 'N',
    'library.browse': 'Y',
    'library.draft': 'C',
    'library.author': 'N',
    'library.review': 'C',
    'library.approve': 'N',
    'library.read': 'C',
    'library.readership': 'N',
    'library.outstanding': 'N',
    'library.discuss': 'Y',
    'assurance.view': 'N',
    'assurance.run': 'N',
    'assurance.signoff': 'N',
    'assurance.configure': 'N',
  },
  designated_professional: {
    'home.view': 'Y',
    'directory.view': 'Y',
    'organisation.create': 'N',
    'organisation.update': 'N',
    'organisation.import': 'N',
    'unit.create': 'N',
    'unit.update': 'N',
    'user.view': 'N',
    'user.create': 'N',
    'user.update': 'N',
    'user.deactivate': 'N',
    'audit.view': 'N',
    'audit.verify': 'N',
    'apiclient.view': 'N',
    'apiclient.manage': 'N',
    'webhook.manage': 'C',
    'alert.raise': 'Y',
    'alert.list': 'Y',
    'alert.view': 'C',
    'alert.approve': 'C',
    'alert.change': 'C',
    'alert.inbox': 'N',
    'alert.acknowledge': 'N',
    'alert.check': 'Y',
    'alert.screen': 'Y',
    'alert.screen_approve': 'C',
    'presentation.list': 'Y',
    'presentation.view': 'C',
    'presentation.mark_seen': 'C',
    'case.open': 'Y',
    'case.list': 'Y',
    'case.view': 'C',
    'case.update': 'C',
    'case.discharge_override': 'C',
    'case.override_review': 'C',
    'case.report': 'C',
    'protocol.view': 'Y',
    'protocol.configure': 'N',
    'escalation.raise': 'Y',
    'escalation.list': 'Y',
    'escalation.view': 'C',
    'escalation.act': 'C',
    'escalation.withdraw': 'C',
    'escalation.report': 'C',
    'learning.browse': 'Y',
    'learning.book': 'C',
    'learning.manage': 'N',
    'learning.register': 'C',
    'learning.approve': 'C',
    'learning.record': 'C',
    'learning.results': 'C',
    'learning.survey': 'N',
    'learning.needs': 'N',
    'library.browse': 'Y',
    'library.draft': 'C',
    'library.author': 'C',
    'library.review': 'C',
    'library.approve': 'N',
    'library.read': 'C',
    'library.readership': 'C',
    'library.outstanding': 'C',
    'library.discuss': 'Y',
    'assurance.view': 'C',
    'assurance.run': 'C',
    'assurance.signoff': 'N',
    'assurance.configure': 'N',
  },
  unit_coordinator: {
    'home.view': 'Y',
    'directory.view': 'Y',
    'organisation.create': 'N',
    'organisation.update': 'N',
    'organisation.import': 'N',
    'unit.create': 'N',
    'unit.update': 'C',
    'user.view': 'N',
    'user.create': 'N',
    'user.update': 'N',
    'user.deactivate': 'N',
    'audit.view': 'N',
    'audit.verify': 'N',
    'apiclient.view': 'N',
    'apiclient.manage': 'N',
    'webhook.manage': 'C',
    'alert.raise': 'N',
    'alert.list': 'N',
    'alert.view': 'C',
    'alert.approve': 'N',
    'alert.change': 'N',
    'alert.inbox': 'Y',
    'alert.acknowledge': 'C',
    'alert.check': 'Y',
    'alert.screen': 'Y',
    'alert.screen_approve': 'N',
    'presentation.list': 'N',
    'presentation.view': 'N',
    'presentation.mark_seen': 'N',
    'case.open': 'N',
    'case.list': 'Y',
    'case.view': 'C',
    'case.update': 'C',
    'case.discharge_override': 'N',
    'case.override_review': 'N',
    'case.report': 'N',
    'protocol.view': 'Y',
    'protocol.configure': 'N',
    'escalation.raise': 'Y',
    'escalation.list': 'Y',
    'escalation.view': 'C',
    'escalation.act': 'C',
    'escalation.withdraw': 'C',
    'escalation.report': 'N',
    'learning.browse': 'Y',
    'learning.book': 'C',
    'learning.manage': 'N',
    'learning.register': 'C',
    'learning.approve': 'C',
    'learning.record': 'C',
    'learning.results': 'C',
    'learning.survey': 'N',
    'learning.needs': 'N',
    'library.browse': 'Y',
    'library.draft': 'C',
    'library.author': 'N',
    'library.review': 'C',
    'library.approve': 'N',
    'library.read': 'C',
    'library.readership': 'N',
    'library.outstanding': 'N',
    'library.discuss': 'Y',
    'assurance.view': 'N',
    'assurance.run': 'N',
    'assurance.signoff': 'N',
    'assurance.configure': 'N',
  },
  social_worker: {
    'home.view': 'Y',
    'directory.view': 'Y',
    'organisation.create': 'N',
    'organisation.update': 'N',
    'organisation.import': 'N',
    'unit.create': 'N',
    'unit.update': 'N',
    'user.view': 'N',
    'user.create': 'N',
    'user.update': 'N',
    'user.deactivate': 'N',
    'audit.view': 'N',
    'audit.verify': 'N',
    'apiclient.view': 'N',
    'apiclient.manage': 'N',
    'webhook.manage': 'C',
    'alert.raise': 'Y',
    'alert.list': 'Y',
    'alert.view': 'C',
    'alert.approve': 'N',
    'alert.change': 'C',
    'alert.inbox': 'N',
    'alert.acknowledge': 'N',
    'alert.check': 'N',
    'alert.screen': 'N',
    'alert.screen_approve': 'N',
    'presentation.list': 'Y',
    'presentation.view': 'C',
    'presentation.mark_seen': 'C',
    'case.open': 'Y',
    'case.list': 'Y',
    'case.view': 'C',
    'case.update': 'C',
    'case.discharge_override': 'N',
    'case.override_review': 'N',
    'case.report': 'N',
    'protocol.view': 'Y',
    'protocol.configure': 'N',
    'escalation.raise': 'Y',
    'escalation.list': 'Y',
    'escalation.view': 'C',
    'escalation.act': 'C',
    'escalation.withdraw': 'C',
    'escalation.report': 'N',
    'learning.browse': 'Y',
    'learning.book': 'C',
    'learning.manage': 'N',
    'learning.register': 'C',
    'learning.approve': 'C',
    'learning.record': 'C',
    'learning.results': 'C',
    'learning.survey': 'N',
    'learning.needs': 'N',
    'library.browse': 'Y',
    'library.draft': 'C',
    'library.author': 'N',
    'library.review': 'C',
    'library.approve': 'N',
    'library.read': 'C',
    'library.readership': 'N',
    'library.outstanding': 'N',
    'library.discuss': 'Y',
    'assurance.view': 'N',
    'assurance.run': 'N',
    'assurance.signoff': 'N',
    'assurance.configure': 'N',
  },
  partnership_manager: {
    'home.view': 'Y',
    'directory.view': 'Y',
    'organisation.create': 'N',
    'organisation.update': 'N',
    'organisation.import': 'N',
    'unit.create': 'N',
    'unit.update': 'N',
    'user.view': 'N',
    'user.create': 'N',
    'user.update': 'N',
    'user.deactivate': 'N',
    'audit.view': 'N',
    'audit.verify': 'N',
    'apiclient.view': 'N',
    'apiclient.manage': 'N',
    'webhook.manage': 'N',
    'alert.raise': 'N',
    'alert.list': 'N',
    'alert.view': 'N',
    'alert.approve': 'N',
    'alert.change': 'N',
    'alert.inbox': 'N',
    'alert.acknowledge': 'N',
    'alert.check': 'N',
    'alert.screen': 'N',
    'alert.screen_approve': 'N',
    'presentation.list': 'N',
    'presentation.view': 'N',
    'presentation.mark_seen': 'N',
    'case.open': 'N',
    'case.list': 'N',
    'case.view': 'N',
    'case.update': 'N',
    'case.discharge_override': 'N',
    'case.override_review': 'N',
    'case.report': 'C',
    'protocol.view': 'Y',
    'protocol.configure': 'C',
    'escalation.raise': 'N',
    'escalation.list': 'Y',
    'escalation.view': 'C',
    'escalation.act': 'C',
    'escalation.withdraw': 'C',
    'escalation.report': 'C',
    'learning.browse': 'Y',
    'learning.book': 'C',
    'learning.manage': 'N',
    'learning.register': 'C',
    'learning.approve': 'C',
    'learning.record': 'C',
    'learning.results': 'C',
    'learning.survey': 'N',
    'learning.needs': 'C',
    'library.browse': 'Y',
    'library.draft': 'C',
    'library.author': 'C',
    'library.review': 'C',
    'library.approve': 'C',
    'library.read': 'C',
    'library.readership': 'C',
    'library.outstanding': 'N',
    'library.discuss': 'Y',
    'assurance.view': 'C',
    'assurance.run': 'C',
    'assurance.signoff': 'C',
    'assurance.configure': 'C',
  },
  auditor: {
    'home.view': 'Y',
    'directory.view': 'Y',
    'organisation.create': 'N',
    'organisation.update': 'N',
    'organisation.import': 'N',
    'unit.create': 'N',
    'unit.update': 'N',
    'user.view': 'Y',
    'user.create': 'N',
    'user.update': 'N',
    'user.deactivate': 'N',
    'audit.view': 'Y',
    'audit.verify': 'Y',
    'apiclient.view': 'Y',
    'apiclient.manage': 'N',
    'webhook.manage': 'N',
    'alert.raise': 'N',
    'alert.list': 'N',
    'alert.view': 'Y',
    'alert.approve': 'N',
    'alert.change': 'N',
    'alert.inbox': 'N',
    'alert.acknowledge': 'N',
    'alert.check': 'N',
    'alert.screen': 'N',
    'alert.screen_approve': 'N',
    'presentation.list': 'N',
    'presentation.view': 'Y',
    'presentation.mark_seen': 'N',
    'case.open': 'N',
    'case.list': 'Y',
    'case.view': 'Y',
    'case.update': 'N',
    'case.discharge_override': 'N',
    'case.override_review': 'N',
    'case.report': 'Y',
    'protocol.view': 'Y',
    'protocol.configure': 'N',
    'escalation.raise': 'N',
    'escalation.list': 'Y',
    'escalation.view': 'Y',
    'escalation.act': 'N',
    'escalation.withdraw': 'N',
    'escalation.report': 'Y',
    'learning.browse': 'Y',
    'learning.book': 'C',
    'learning.manage': 'N',
    'learning.register': 'C',
    'learning.approve': 'C',
    'learning.record': 'Y',
    'learning.results': 'Y',
    'learning.survey': 'N',
    'learning.needs': 'Y',
    'library.browse': 'Y',
    'library.draft': 'Y',
    'library.author': 'N',
    'library.review': 'C',
    'library.approve': 'N',
    'library.read': 'C',
    'library.readership': 'Y',
    'library.outstanding': 'Y',
    'library.discuss': 'N',
    'assurance.view': 'Y',
    'assurance.run': 'N',
    'assurance.signoff': 'N',
    'assurance.configure': 'N',
  },
  system_admin: {
    'home.view': 'Y',
    'directory.view': 'Y',
    'organisation.create': 'Y',
    'organisation.update': 'Y',
    'organisation.import': 'Y',
    'unit.create': 'Y',
    'unit.update': 'Y',
    'user.view': 'Y',
    'user.create': 'Y',
    'user.update': 'Y',
    'user.deactivate': 'C',
    'audit.view': 'Y',
    'audit.verify': 'Y',
    'apiclient.view': 'Y',
    'apiclient.manage': 'Y',
    'webhook.manage': 'Y',
    'alert.raise': 'N',
    'alert.list': 'N',
    'alert.view': 'N',
    'alert.approve': 'N',
    'alert.change': 'N',
    'alert.inbox': 'N',
    'alert.acknowledge': 'N',
    'alert.check': 'N',
    'alert.screen': 'N',
    'alert.screen_approve': 'N',
    'presentation.list': 'N',
    'presentation.view': 'N',
    'presentation.mark_seen': 'N',
    'case.open': 'N',
    'case.list': 'N',
    'case.view': 'N',
    'case.update': 'N',
    'case.discharge_override': 'N',
    'case.override_review': 'N',
    'case.report': 'N',
    'protocol.view': 'Y',
    'protocol.configure': 'Y',
    'escalation.raise': 'N',
    'escalation.list': 'N',
    'escalation.view': 'N',
    'escalation.act': 'N',
    'escalation.withdraw': 'N',
    'escalation.report': 'N',
    'learning.browse': 'Y',
    'learning.book': 'C',
    'learning.manage': 'N',
    'learning.register': 'C',
    'learning.approve': 'C',
    'learning.record': 'C',
    'learning.results': 'C',
    'learning.survey': 'N',
    'learning.needs': 'N',
    'library.browse': 'Y',
    'library.draft': 'C',
    'library.author': 'N',
    'library.review': 'C',
    'library.approve': 'N',
    'library.read': 'C',
    'library.readership': 'N',
    'library.outstanding': 'N',
    'library.discuss': 'N',
    'assurance.view': 'N',
    'assurance.run': 'N',
    'assurance.signoff': 'N',
    'assurance.configure': 'N',
  },
  training_admin: {
    'home.view': 'Y',
    'directory.view': 'Y',
    'organisation.create': 'N',
    'organisation.update': 'N',
    'organisation.import': 'N',
    'unit.create': 'N',
    'unit.update': 'N',
    'user.view': 'N',
    'user.create': 'N',
    'user.update': 'N',
    'user.deactivate': 'N',
    'audit.view': 'N',
    'audit.verify': 'N',
    'apiclient.view': 'N',
    'apiclient.manage': 'N',
    'webhook.manage': 'N',
    'alert.raise': 'N',
    'alert.list': 'N',
    'alert.view': 'N',
    'alert.approve': 'N',
    'alert.change': 'N',
    'alert.inbox': 'N',
    'alert.acknowledge': 'N',
    'alert.check': 'N',
    'alert.screen': 'N',
    'alert.screen_approve': 'N',
    'presentation.list': 'N',
    'presentation.view': 'N',
    'presentation.mark_seen': 'N',
    'case.open': 'N',
    'case.list': 'N',
    'case.view': 'N',
    'case.update': 'N',
    'case.discharge_override': 'N',
    'case.override_review': 'N',
    'case.report': 'N',
    'protocol.view': 'Y',
    'protocol.configure': 'N',
    'escalation.raise': 'N',
    'escalation.list': 'N',
    'escalation.view': 'N',
    'escalation.act': 'N',
    'escalation.withdraw': 'N',
    'escalation.report': 'N',
    'learning.browse': 'Y',
    'learning.book': 'C',
    'learning.manage': 'C',
    'learning.register': 'C',
    'learning.approve': 'C',
    'learning.record': 'C',
    'learning.results': 'C',
    'learning.survey': 'C',
    'learning.needs': 'C',
    'library.browse': 'Y',
    'library.draft': 'C',
    'library.author': 'C',
    'library.review': 'C',
    'library.approve': 'N',
    'library.read': 'C',
    'library.readership': 'C',
    'library.outstanding': 'N',
    'library.discuss': 'Y',
    'assurance.view': 'N',
    'assurance.run': 'N',
    'assurance.signoff': 'N',
    'assurance.configure': 'N',
  },
};

const OWN_UNIT = randomUUID();
const OTHER_UNIT = randomUUID();
const OWN_ORG = randomUUID();

function actorFor(role: Role, overrides: Partial<Actor> = {}): Actor {
  return {
    userId: randomUUID(),
    displayName: `Test ${role}`,
    membershipId: randomUUID(),
    organisationId: OWN_ORG,
    organisationName: 'Test organisation',
    role,
    unitId: role === 'unit_coordinator' ? OWN_UNIT : null,
    ...overrides,
  };
}

/** Case work: the actor's organisation is one of those working on it. */
function involvedCondition() {
  return {
    allowed: (a: Actor): Resource[] => [{ organisationIds: [a.organisationId] }, { organisationIds: [randomUUID(), a.organisationId] }],
    refused: (a: Actor): (Resource | undefined)[] => [
      undefined,
      {},
      { organisationIds: [] },
      { organisationIds: [randomUUID()] },
      { organisationId: a.organisationId },
      { inActorsArea: true },
    ],
  };
}

/** Escalations: parties see and act on them; the partnership for its own area. */
function partyOrAreaCondition() {
  return {
    allowed: (a: Actor): Resource[] => (a.role === 'partnership_manager' ? [{ inActorsArea: true }] : [{ organisationIds: [randomUUID(), a.organisationId] }]),
    refused: (a: Actor): (Resource | undefined)[] => [
      undefined,
      {},
      { organisationIds: [randomUUID()] },
      ...(a.role === 'partnership_manager' ? [{ organisationIds: [a.organisationId] }, { inActorsArea: false }] : [{ inActorsArea: true }]),
    ],
  };
}

const LIBRARY_AUTHORS: readonly string[] = ['designated_professional', 'partnership_manager', 'training_admin'];

/** For conditional cells: resources that satisfy the condition and resources that do not. */
const CONDITIONS: Partial<Record<Action, { allowed: (a: Actor) => Resource[]; refused: (a: Actor) => (Resource | undefined)[] }>> = {
  // Learning: your own booking or record; the partnership's training administrators for their area.
  'learning.book': {
    allowed: (a) => [{ userId: a.userId }, ...(a.role === 'training_admin' ? [{ userId: randomUUID(), inActorsArea: true }] : [])],
    refused: (a) => [
      undefined,
      {},
      { userId: randomUUID() },
      { managerUserIds: [a.userId] },
      ...(a.role === 'training_admin' ? [] : [{ userId: randomUUID(), inActorsArea: true }]),
    ],
  },
  'learning.manage': {
    allowed: () => [{ inActorsArea: true }],
    refused: (a) => [undefined, {}, { inActorsArea: false }, { userId: a.userId }, { trainerUserIds: [a.userId] }],
  },
  'learning.register': {
    allowed: (a) => [{ trainerUserIds: [randomUUID(), a.userId] }, ...(a.role === 'training_admin' ? [{ inActorsArea: true }] : [])],
    refused: (a) => [undefined, {}, { trainerUserIds: [randomUUID()] }, { userId: a.userId }, ...(a.role === 'training_admin' ? [] : [{ inActorsArea: true }])],
  },
  'learning.approve': {
    allowed: (a) => [{ managerUserIds: [a.userId] }, { userId: randomUUID(), managerUserIds: [randomUUID(), a.userId] }],
    refused: (a) => [undefined, {}, { userId: a.userId }, { managerUserIds: [randomUUID()] }, { inActorsArea: true, organisationId: a.organisationId }],
  },
  'learning.record': {
    allowed: (a) => [
      { userId: a.userId },
      { userId: randomUUID(), managerUserIds: [a.userId] },
      ...(a.role === 'designated_professional' ? [{ userId: randomUUID(), organisationId: a.organisationId }] : []),
      ...(a.role === 'training_admin' ? [{ userId: randomUUID(), inActorsArea: true }] : []),
    ],
    refused: (a) => [
      undefined,
      { userId: randomUUID() },
      { userId: randomUUID(), managerUserIds: [randomUUID()] },
      ...(a.role === 'designated_professional' ? [] : [{ userId: randomUUID(), organisationId: a.organisationId }]),
      ...(a.role === 'training_admin' ? [] : [{ userId: randomUUID(), inActorsArea: true }]),
    ],
  },
  'learning.results': {
    allowed: (a) => [{ trainerUserIds: [a.userId] }, ...(['training_admin', 'partnership_manager'].includes(a.role) ? [{ inActorsArea: true }] : [])],
    refused: (a) => [
      undefined,
      {},
      { trainerUserIds: [randomUUID()] },
      { userId: a.userId },
      ...(['training_admin', 'partnership_manager'].includes(a.role) ? [] : [{ inActorsArea: true }]),
    ],
  },
  'learning.survey': {
    allowed: () => [{ inActorsArea: true }],
    refused: (a) => [undefined, {}, { inActorsArea: false }, { userId: a.userId }],
  },
  // Assurance: a partnership's own audits.
  'assurance.view': { allowed: () => [{ inActorsArea: true }], refused: (a) => [undefined, {}, { inActorsArea: false }, { organisationId: a.organisationId }] },
  'assurance.run': { allowed: () => [{ inActorsArea: true }], refused: (a) => [undefined, {}, { inActorsArea: false }, { organisationId: a.organisationId }] },
  'assurance.signoff': {
    allowed: () => [{ inActorsArea: true }],
    refused: (a) => [undefined, {}, { inActorsArea: false }, { organisationId: a.organisationId }],
  },
  'assurance.configure': {
    allowed: () => [{ inActorsArea: true }],
    refused: (a) => [undefined, {}, { inActorsArea: false }, { organisationId: a.organisationId }],
  },
  'learning.needs': {
    allowed: () => [{ inActorsArea: true }],
    refused: (a) => [undefined, {}, { inActorsArea: false }, { userId: a.userId }, { trainerUserIds: [a.userId] }],
  },
  // The library: authors and readership for their partnership area; reviewers for the version they are named on; your own reading.
  'library.draft': {
    allowed: (a) => [{ reviewerUserIds: [randomUUID(), a.userId] }, ...(LIBRARY_AUTHORS.includes(a.role) ? [{ inActorsArea: true }] : [])],
    refused: (a) => [
      undefined,
      {},
      { reviewerUserIds: [randomUUID()] },
      { userId: a.userId },
      ...(LIBRARY_AUTHORS.includes(a.role) ? [] : [{ inActorsArea: true }]),
    ],
  },
  'library.author': {
    allowed: () => [{ inActorsArea: true }],
    refused: (a) => [undefined, {}, { inActorsArea: false }, { reviewerUserIds: [a.userId] }, { userId: a.userId }],
  },
  'library.review': {
    allowed: (a) => [{ reviewerUserIds: [a.userId] }],
    refused: (a) => [undefined, {}, { reviewerUserIds: [randomUUID()] }, { inActorsArea: true }, { userId: a.userId }],
  },
  'library.approve': {
    allowed: () => [{ inActorsArea: true }],
    refused: (a) => [undefined, {}, { inActorsArea: false }, { reviewerUserIds: [a.userId] }],
  },
  'library.read': {
    allowed: (a) => [{ userId: a.userId }],
    refused: (a) => [undefined, {}, { userId: randomUUID() }, { organisationId: a.organisationId }, { inActorsArea: true }],
  },
  'library.readership': {
    allowed: () => [{ inActorsArea: true }],
    refused: (a) => [undefined, {}, { inActorsArea: false }, { organisationId: a.organisationId }, { reviewerUserIds: [a.userId] }],
  },
  'library.outstanding': {
    allowed: (a) => [{ organisationId: a.organisationId }],
    refused: (a) => [undefined, {}, { organisationId: randomUUID() }, { inActorsArea: true }, { userId: a.userId }],
  },
  // Reports: their own partnership area (and, for cases, cases their organisation works on).
  'case.report': {
    allowed: (a) => [{ inActorsArea: true }, { organisationIds: [randomUUID(), a.organisationId] }],
    refused: () => [undefined, {}, { organisationIds: [randomUUID()] }, { inActorsArea: false }, { organisationId: OWN_ORG }],
  },
  'escalation.report': {
    allowed: () => [{ inActorsArea: true }],
    refused: (a) => [undefined, {}, { organisationIds: [a.organisationId] }, { inActorsArea: false }, { organisationId: OWN_ORG }],
  },
  'unit.update': {
    allowed: (a) => [{ unitId: a.unitId }, { organisationId: a.organisationId, unitId: a.unitId }],
    refused: (a) => [undefined, {}, { unitId: OTHER_UNIT }, { organisationId: a.organisationId, unitId: OTHER_UNIT }, { unitId: null }],
  },
  'alert.view': {
    allowed: (a) =>
      a.role === 'unit_coordinator'
        ? [{ unitIds: [OTHER_UNIT, a.unitId!] }]
        : a.role === 'designated_professional'
          ? [{ organisationId: a.organisationId }, { organisationId: randomUUID(), sameIcb: true }]
          : [{ organisationId: a.organisationId }],
    refused: (a) => [
      undefined,
      {},
      { organisationId: randomUUID(), unitIds: [OTHER_UNIT] },
      { unitIds: [] },
      ...(a.role === 'designated_professional' ? [] : [{ organisationId: randomUUID(), sameIcb: true }]),
      ...(a.role === 'unit_coordinator' ? [{ organisationId: a.organisationId }] : [{ unitIds: [OWN_UNIT] }]),
    ],
  },
  'alert.approve': {
    allowed: (a) => [{ organisationId: a.organisationId }, { organisationId: randomUUID(), sameIcb: true }],
    refused: () => [undefined, {}, { organisationId: randomUUID() }, { organisationId: randomUUID(), sameIcb: false }],
  },
  'alert.change': {
    allowed: (a) => [{ organisationId: a.organisationId }],
    refused: () => [undefined, {}, { organisationId: randomUUID() }, { organisationId: randomUUID(), sameIcb: true }],
  },
  'webhook.manage': {
    allowed: (a) => [{ organisationId: a.organisationId }],
    refused: () => [undefined, {}, { organisationId: randomUUID() }, { organisationId: randomUUID(), sameIcb: true }],
  },
  'alert.acknowledge': {
    allowed: (a) => [{ unitId: a.unitId }],
    refused: () => [undefined, {}, { unitId: OTHER_UNIT }, { unitId: null }],
  },
  'alert.screen_approve': {
    allowed: (a) => [{ organisationId: a.organisationId }],
    refused: () => [undefined, {}, { organisationId: randomUUID() }, { organisationId: null }],
  },
  'presentation.view': {
    allowed: (a) =>
      a.role === 'designated_professional'
        ? [{ organisationId: a.organisationId }, { organisationId: randomUUID(), sameIcb: true }]
        : [{ organisationId: a.organisationId }],
    refused: (a) => [
      undefined,
      {},
      { organisationId: randomUUID() },
      { unitIds: [OWN_UNIT], unitId: OWN_UNIT },
      ...(a.role === 'designated_professional' ? [{ organisationId: randomUUID(), sameIcb: false }] : [{ organisationId: randomUUID(), sameIcb: true }]),
    ],
  },
  'presentation.mark_seen': {
    allowed: (a) =>
      a.role === 'designated_professional'
        ? [{ organisationId: a.organisationId }, { organisationId: randomUUID(), sameIcb: true }]
        : [{ organisationId: a.organisationId }],
    refused: (a) => [
      undefined,
      {},
      { organisationId: randomUUID() },
      { unitIds: [OWN_UNIT], unitId: OWN_UNIT },
      ...(a.role === 'designated_professional' ? [{ organisationId: randomUUID(), sameIcb: false }] : [{ organisationId: randomUUID(), sameIcb: true }]),
    ],
  },
  'case.view': involvedCondition(),
  'case.update': involvedCondition(),
  'case.discharge_override': involvedCondition(),
  'case.override_review': involvedCondition(),
  'protocol.configure': {
    allowed: () => [{ inActorsArea: true }],
    refused: (a) => [undefined, {}, { inActorsArea: false }, { organisationId: a.organisationId, organisationIds: [a.organisationId] }],
  },
  'escalation.view': partyOrAreaCondition(),
  'escalation.act': partyOrAreaCondition(),
  // The raising agency (not every party), or the partnership for its area.
  'escalation.withdraw': {
    allowed: (a) =>
      a.role === 'partnership_manager' ? [{ inActorsArea: true }] : [{ organisationId: a.organisationId, organisationIds: [a.organisationId, randomUUID()] }],
    refused: (a) => [
      undefined,
      {},
      { organisationId: randomUUID(), organisationIds: [a.organisationId] },
      ...(a.role === 'partnership_manager' ? [{ inActorsArea: false, organisationId: a.organisationId }] : [{ inActorsArea: true }]),
    ],
  },
  'user.deactivate': {
    allowed: () => [{ userId: randomUUID() }],
    refused: (a) => [undefined, {}, { userId: a.userId }, { userId: null }],
  },
};

/** Resources an unconditional answer must not depend on. */
const anyResources = (a: Actor): (Resource | undefined)[] => [
  undefined,
  {},
  { organisationId: a.organisationId, unitId: a.unitId ?? OWN_UNIT, userId: a.userId },
  { organisationId: randomUUID(), unitId: OTHER_UNIT, userId: randomUUID() },
];

describe('access policy matrix', () => {
  it('the expected table covers every role × every action, and nothing else', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...ROLES].sort());
    for (const role of ROLES) expect(Object.keys(EXPECTED[role]).sort(), role).toEqual([...ACTIONS].sort());
    const cells = ROLES.flatMap((r) => ACTIONS.map((a) => EXPECTED[r][a]));
    expect(cells).toHaveLength(ROLES.length * ACTIONS.length);
    for (const c of cells) expect(['Y', 'N', 'C']).toContain(c);
    // Every conditional cell has a condition described above.
    for (const r of ROLES) for (const a of ACTIONS) if (EXPECTED[r][a] === 'C') expect(CONDITIONS[a], `${r} ${a}`).toBeDefined();
  });

  const pairs = ROLES.flatMap((role) => ACTIONS.map((action) => ({ role, action, cell: EXPECTED[role][action] })));

  it.each(pairs)('$role → $action is $cell', ({ role, action, cell }) => {
    const actor = actorFor(role);
    if (cell === 'Y') {
      for (const r of anyResources(actor)) expect(can(actor, action, r), JSON.stringify(r)).toBe(true);
      expect(() => authorize(actor, action)).not.toThrow();
    } else if (cell === 'N') {
      for (const r of anyResources(actor)) expect(can(actor, action, r), JSON.stringify(r)).toBe(false);
      expect(() => authorize(actor, action, { organisationId: actor.organisationId, unitId: actor.unitId, userId: randomUUID() })).toThrow(ForbiddenError);
    } else {
      const cond = CONDITIONS[action]!;
      for (const r of cond.allowed(actor)) expect(can(actor, action, r), `allowed ${JSON.stringify(r)}`).toBe(true);
      for (const r of cond.refused(actor)) expect(can(actor, action, r), `refused ${JSON.stringify(r)}`).toBe(false);
    }
  });
});

describe('lists and single reads from the same rules', () => {
  const samples = (a: Actor): (Resource | undefined)[] => [
    ...anyResources(a),
    { organisationId: a.organisationId },
    { organisationIds: [a.organisationId] },
    { unitIds: [a.unitId ?? OWN_UNIT] },
    { unitId: a.unitId ?? OWN_UNIT },
    { sameIcb: true },
    { inActorsArea: true },
    { userId: randomUUID() },
    { userId: a.userId },
    { managerUserIds: [a.userId] },
    { trainerUserIds: [a.userId] },
    { reviewerUserIds: [a.userId] },
  ];

  it.each(ROLES)('%s: a record is in scopeFor(action) exactly when can(action, record) allows it, and mayAtAll says whether any can be', (role) => {
    const actor = actorFor(role);
    for (const action of ACTIONS) {
      const scope = scopeFor(actor, action);
      for (const r of samples(actor)) {
        const inScope = scope.kind === 'all' || (scope.kind === 'some' && scope.conditions.some((c) => POLICY_CONDITIONS[c](actor, r)));
        expect(inScope, `${action} ${JSON.stringify(r)}`).toBe(can(actor, action, r));
      }
      expect(mayAtAll(actor, action), action).toBe(scope.kind !== 'none');
      if (mayAtAll(actor, action))
        expect(
          samples(actor).some((r) => can(actor, action, r)),
          `${action}: some record is allowed`,
        ).toBe(true);
    }
  });

  it('the gate of a list refuses those with no rule, and gives the system every row', () => {
    expect(() => authorizeList({ actor: actorFor('point_of_care'), ip: null, correlationId: 't' }, 'escalation.report')).toThrow(ForbiddenError);
    expect(authorizeList({ actor: actorFor('partnership_manager'), ip: null, correlationId: 't' }, 'escalation.report')).toEqual({
      kind: 'some',
      conditions: ['inArea'],
    });
    expect(authorizeList({ actor: actorFor('auditor'), ip: null, correlationId: 't' }, 'escalation.report')).toEqual({ kind: 'all' });
    expect(authorizeList({ actor: null, ip: null, correlationId: 't', system: 'test' }, 'case.report')).toEqual({ kind: 'all' });
    expect(() => authorizeList({ actor: null, ip: null, correlationId: 't' }, 'case.report')).toThrow(ForbiddenError);
  });
});

describe('resource conditions', () => {
  it('a unit coordinator may update their own unit only', () => {
    const coordinator = actorFor('unit_coordinator');
    expect(can(coordinator, 'unit.update', { organisationId: OWN_ORG, unitId: OWN_UNIT })).toBe(true);
    expect(can(coordinator, 'unit.update', { organisationId: OWN_ORG, unitId: OTHER_UNIT })).toBe(false);
    expect(can(coordinator, 'unit.update', { organisationId: OWN_ORG })).toBe(false);
    expect(can(coordinator, 'unit.update')).toBe(false);
    // …and may not create units, even in their own organisation.
    expect(can(coordinator, 'unit.create', { organisationId: OWN_ORG })).toBe(false);
  });

  it('a coordinator with no unit on their membership can update no unit (null never matches null)', () => {
    const unitless = actorFor('unit_coordinator', { unitId: null });
    expect(can(unitless, 'unit.update', { unitId: null })).toBe(false);
    expect(can(unitless, 'unit.update', {})).toBe(false);
    expect(can(unitless, 'unit.update', { unitId: OWN_UNIT })).toBe(false);
  });

  it('an administrator cannot deactivate their own account but can deactivate others', () => {
    const admin = actorFor('system_admin');
    expect(can(admin, 'user.deactivate', { userId: admin.userId })).toBe(false);
    expect(() => authorize(admin, 'user.deactivate', { userId: admin.userId })).toThrow(ForbiddenError);
    expect(can(admin, 'user.deactivate', { userId: randomUUID() })).toBe(true);
    // Without saying whom, the answer is no.
    expect(can(admin, 'user.deactivate')).toBe(false);
    // Reactivating (user.update) has no such condition.
    expect(can(admin, 'user.update', { userId: admin.userId })).toBe(true);
  });

  it('a null actor is denied every action', () => {
    for (const action of ACTIONS) {
      expect(can(null, action), action).toBe(false);
      expect(can(null, action, { organisationId: OWN_ORG, unitId: OWN_UNIT, userId: randomUUID() }), action).toBe(false);
      expect(() => authorize(null, action), action).toThrow(ForbiddenError);
    }
  });

  it('an unknown role or action is denied (deny by default)', () => {
    const stranger = actorFor('system_admin', { role: 'superuser' as Role });
    for (const action of ACTIONS) expect(can(stranger, action), action).toBe(false);
    expect(can(actorFor('system_admin'), 'alert.delete' as Action)).toBe(false);
  });

  it('authorize throws a ForbiddenError naming the action refused', () => {
    try {
      authorize(actorFor('auditor'), 'user.create');
      expect.unreachable('authorize should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(ForbiddenError);
      expect((err as ForbiddenError).action).toBe('user.create');
      expect((err as ForbiddenError).message).toMatch(/permission/);
    }
  });
});
