/**
 * Writing to the case chronology, and the pattern prompts each new event may raise. Every service that
 * changes a case appends its event here inside its own transaction, so the chronology can never miss a
 * change that committed, nor show one that did not.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { caseEvents, casePrompts, cases } from './schema';
import { configInForce } from './protocol-config';
import { evaluatePatterns, patternRulesSchema, promptsToRaise, type ChronologyKind } from './patterns';
import { actorName } from './access';

export interface NewCaseEvent {
  kind: ChronologyKind;
  /** When it happened; now if not given. */
  occurredAt?: Date;
  summary: string;
  detail?: Record<string, unknown>;
  source?: 'system' | 'practitioner';
}

/** Append one event to a case's chronology and raise any pattern prompt it completes. Returns the event id. */
export async function appendCaseEvent(tx: Db, ctx: RequestContext, caseId: string, event: NewCaseEvent): Promise<string> {
  const [row] = await tx
    .insert(caseEvents)
    .values({
      caseId,
      kind: event.kind,
      occurredAt: event.occurredAt ?? new Date(),
      summary: event.summary,
      detail: event.detail ?? null,
      source: event.source ?? 'system',
      recordedByUserId: ctx.actor?.userId ?? null,
      recordedByName: actorName(ctx),
      recordedByOrganisationName: ctx.actor?.organisationName ?? null,
    })
    .returning({ id: caseEvents.id });
  await raisePrompts(tx, ctx, caseId);
  return row!.id;
}

/**
 * Evaluate the pattern rules in force for the case's area against its chronology, and raise a prompt
 * for each pattern that uses an event no earlier prompt of the same rule covered. Prompts inform
 * judgement; they decide nothing, and each must be answered by a practitioner.
 */
export async function raisePrompts(tx: Db, _ctx: RequestContext, caseId: string, now = new Date()): Promise<number> {
  // One evaluation per case at a time: two practitioners recording the events that complete a pattern at
  // the same moment would otherwise each miss the other's (uncommitted) event, and neither raise the prompt,
  // or both raise it. NO KEY UPDATE, because inserting the event already holds KEY SHARE on this row (the
  // foreign key); FOR UPDATE would deadlock two such transactions against each other.
  const [kase] = await tx.select({ geographyId: cases.geographyId }).from(cases).where(eq(cases.id, caseId)).for('no key update');
  if (!kase) return 0;
  const config = await configInForce(tx, 'pattern_rules', kase.geographyId);
  const parsed = patternRulesSchema.safeParse(config.definition);
  if (!parsed.success) return 0;
  const rules = parsed.data;
  const events = await tx
    .select({ id: caseEvents.id, kind: caseEvents.kind, at: caseEvents.occurredAt })
    .from(caseEvents)
    .where(eq(caseEvents.caseId, caseId))
    .orderBy(asc(caseEvents.occurredAt));
  const existing = await tx.select({ ruleKey: casePrompts.ruleKey, eventIds: casePrompts.eventIds }).from(casePrompts).where(eq(casePrompts.caseId, caseId));
  const raise = promptsToRaise(evaluatePatterns(rules, events, now), existing);
  for (const match of raise) {
    const rule = rules.find((r) => r.key === match.ruleKey)!;
    await tx.insert(casePrompts).values({
      caseId,
      ruleKey: rule.key,
      ruleLabel: rule.label,
      prompt: rule.prompt,
      eventIds: match.eventIds,
      windowStart: match.windowStart,
      windowEnd: match.windowEnd,
    });
    await tx.insert(caseEvents).values({
      caseId,
      kind: 'prompt_raised',
      occurredAt: now,
      summary: `Prompt: ${rule.label}. ${rule.prompt}`,
      detail: { ruleKey: rule.key, eventIds: match.eventIds },
      source: 'system',
      recordedByUserId: null,
      recordedByName: 'Beacon',
      recordedByOrganisationName: null,
    });
  }
  return raise.length;
}

/** Unanswered prompts on a case (shown on every case page until answered). */
export async function openPrompts(db: Db, caseId: string) {
  return db
    .select()
    .from(casePrompts)
    .where(and(eq(casePrompts.caseId, caseId)))
    .orderBy(asc(casePrompts.raisedAt))
    .then((list) => list.filter((p) => !p.respondedAt));
}
