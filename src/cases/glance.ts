/**
 * The case summary's "at a glance": where each part of the case stands, in one line each, so the
 * midwife on the phone at night sees at once what is overdue, what blocks a discharge and what is open.
 * Reads what each part's own service computes; nothing is worked out twice.
 */
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { formatDate, londonDate } from '../platform/dates';
import type { CaseRow } from './access';
import { milestonesOfCase } from './milestones/service';
import { checklistOf } from './labour/service';
import { dischargeStatusOf } from './discharge/service';
import { birthPlanOfCase } from './birth-plan/service';
import { openEscalationCount } from '../escalations/reading';

export interface GlanceRow {
  key: string;
  label: string;
  text: string;
  /** red: needs action now; orange: coming up or incomplete; green: done; grey: nothing yet. */
  tone: 'red' | 'orange' | 'green' | 'grey';
  tag: string;
  href: string;
}

/** The first two of a list and how many more: a line to scan, not a paragraph. */
function listShort(items: readonly string[]): string {
  return items.length <= 3 ? items.join('; ') : `${items.slice(0, 2).join('; ')} and ${items.length - 2} more`;
}

export async function atAGlance(db: Db, ctx: RequestContext, kase: CaseRow, now = new Date()): Promise<GlanceRow[]> {
  const base = `/cases/${kase.id}`;
  const rows: GlanceRow[] = [];

  const ms = await milestonesOfCase(db, kase, now);
  const overdue = ms.milestones.filter((m) => m.state === 'overdue');
  const next = ms.milestones.find((m) => m.state === 'due_soon' || m.state === 'upcoming');
  rows.push({
    key: 'milestones',
    label: 'Milestones',
    text: overdue.length
      ? listShort(overdue.map((m) => m.label))
      : next?.dueAt
        ? `Next: ${next.label}, due ${formatDate(londonDate(next.dueAt))}`
        : 'Nothing due',
    tone: overdue.length ? 'red' : next?.state === 'due_soon' ? 'orange' : 'green',
    tag: overdue.length ? `${overdue.length} overdue` : next?.state === 'due_soon' ? 'Due soon' : 'On track',
    href: `${base}/milestones`,
  });

  const checklist = await checklistOf(db, ctx, kase);
  if (checklist.applies || checklist.items.some((i) => i.current)) {
    const n = checklist.outstanding.length;
    rows.push({
      key: 'labour',
      label: 'Unbooked in labour checklist',
      text: n ? listShort(checklist.items.filter((i) => i.outstanding).map((i) => i.item.label)) : 'Every item has an answer',
      tone: n ? 'orange' : 'green',
      tag: n ? `${n} outstanding` : 'Complete',
      href: `${base}/labour`,
    });
  }

  const discharge = await dischargeStatusOf(db, ctx, kase, now);
  const overrides = discharge.decisions.filter((d) => d.gateOutcome === 'overridden');
  rows.push({
    key: 'discharge',
    label: 'Discharge',
    text: discharge.gate.blocked
      ? discharge.gate.blockers.map((b) => b.message).join('. ')
      : discharge.decisions.length
        ? `Decision recorded${overrides.length ? ` (${overrides.length} past the gate by override)` : ''}`
        : 'Nothing is blocking a discharge decision',
    tone: discharge.gate.blocked ? 'red' : overrides.length ? 'orange' : 'green',
    tag: discharge.gate.blocked ? 'Gate closed' : overrides.length ? 'Overridden' : 'Gate open',
    href: `${base}/discharge`,
  });

  const plan = await birthPlanOfCase(db, kase, now);
  const lateSends = plan.distribution.filter((d) => d.state === 'overdue');
  rows.push({
    key: 'birth-plan',
    label: 'Birth plan',
    text: plan.current
      ? `Version ${plan.current.version}, agreed ${formatDate(londonDate(plan.current.agreedAt))}${lateSends.length ? `. Not yet sent to: ${lateSends.map((d) => d.recipientLabel).join(', ')}` : ''}`
      : 'No birth plan recorded',
    tone: lateSends.length ? 'red' : plan.current ? 'green' : 'grey',
    tag: lateSends.length ? `${lateSends.length} sending overdue` : plan.current ? 'Agreed' : 'None yet',
    href: `${base}/birth-plan`,
  });

  const escalations = await openEscalationCount(db, kase.id);
  rows.push({
    key: 'escalations',
    label: 'Escalations',
    text: escalations ? `${escalations} open between agencies` : 'None open',
    tone: escalations ? 'orange' : 'grey',
    tag: escalations ? `${escalations} open` : 'None',
    href: `${base}/escalations`,
  });
  return rows;
}
