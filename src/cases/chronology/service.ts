/**
 * The case chronology: one timeline per case, newest first, and the pattern prompts it raises.
 *
 * What the case itself recorded comes from `case_events`. What happened to the linked high-risk alerts
 * (lifecycle changes, presentations, point-of-care reveals) is read live from the alert tables at each
 * view and never copied into the case: the alert register stays the one record of those facts, so a
 * presentation recorded after the link, or an alert stood down tomorrow, shows here without any job
 * having to copy it, and nothing can disagree with the alert's own history.
 *
 * Prompts inform judgement; they decide nothing. A practitioner answers each one with what they
 * considered and decided, once; the answer goes on the chronology.
 */
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { authorizeContext } from '../../platform/auth/policy';
import { recordAuditNow } from '../../platform/audit/service';
import { NotFoundError, parseInput, ValidationError } from '../../platform/errors';
import { isUuid } from '../../directory/service';
import { organisations } from '../../directory/schema';
import { alertEvents } from '../../alerts/schema';
import { pointOfCareReveals, presentations } from '../../identity/point-of-care/schema';
import { REVEAL_REASON_LABELS, type RevealReason } from '../../identity/point-of-care/service';
import { isIsoDate, londonDate } from '../../platform/dates';
import { caseEvents, casePrompts, cases } from '../schema';
import { assertOpen, type CaseRow, caseScope, recordCaseChange, requireCase } from '../access';
import { viewableLinkedAlerts } from '../linked-alerts';
import { appendCaseEvent } from '../events';
import { optionalNamedText } from '../text-fields';
import { londonWallClockToInstant } from '../http';
import {
  CHRONOLOGY_KIND_LABELS,
  CHRONOLOGY_KINDS,
  type ChronologyKind,
  INDICATOR_LABELS,
  INDICATOR_OF,
  INDICATORS,
  type Indicator,
  PRACTITIONER_KINDS,
  type PractitionerKind,
} from '../patterns';

// ── The timeline ───────────────────────────────────────────────────────────────────────────────────

/** Who put an entry on the timeline: a practitioner by hand, Beacon as the case changed, or a linked alert. */
export type ChronologySource = 'practitioner' | 'system' | 'alert';

export interface ChronologyItem {
  /** The case event's id; alert entries are prefixed (`alert-event:`, `presentation:`, `reveal:`). */
  id: string;
  at: Date;
  /** False when only the date was given (a missed appointment last Tuesday, time not known). */
  timeKnown: boolean;
  kind: ChronologyKind;
  label: string;
  indicator: Indicator | null;
  indicatorLabel: string | null;
  summary: string;
  recordedBy: string | null;
  recordedByOrganisation: string | null;
  recordedAt: Date | null;
  source: ChronologySource;
  /** For entries recorded by hand: the professional and agency involved, when given. */
  professional: string | null;
  agency: string | null;
  /** For alert entries: which alert. */
  alertReference: string | null;
}

export interface ChronologyFilter {
  kinds?: readonly string[] | string | null;
  indicator?: string | null;
}

const filterSchema = z.object({
  kinds: z
    .union([z.string(), z.array(z.string())])
    .nullish()
    .transform((v) => (v == null ? [] : (Array.isArray(v) ? v : v.split(',')).map((k) => k.trim()).filter(Boolean)))
    .pipe(z.array(z.enum(CHRONOLOGY_KINDS, { error: 'Choose a kind of entry from the list' }))),
  indicator: z
    .string()
    .nullish()
    .transform((v) => v || null)
    .pipe(z.enum(INDICATORS, { error: 'Choose closure, flight or disguised compliance, or show every entry' }).nullable()),
});

/** The past tense of each alert lifecycle event, as a case worker reads it. */
const ALERT_EVENT_TEXT: Record<string, string> = {
  create: 'started as a draft',
  submit: 'sent for approval',
  return: 'returned to its originator for changes',
  approve: 'approved and sent to the recipient units',
  update: 'updated and sent again',
  renew: 'renewed with a new review date',
  stand_down: 'stood down',
  cancel: 'cancelled',
  expire: 'expired at its review date',
  archive: 'archived',
};
/** Events whose recorded reason tells the case something (a return's comments are between originator and approver). */
const ALERT_REASON_SHOWN = new Set(['update', 'renew', 'stand_down', 'cancel']);

const OUTCOME_TEXT: Record<string, string> = {
  same_person: 'confirmed she is the woman in the alert',
  not_same_person: 'found she is not the same person',
  not_sure: 'was not sure it is the same person',
};

const describeKind = (kind: ChronologyKind) => ({
  kind,
  label: CHRONOLOGY_KIND_LABELS[kind] ?? kind,
  indicator: INDICATOR_OF[kind] ?? null,
  indicatorLabel: INDICATOR_OF[kind] ? INDICATOR_LABELS[INDICATOR_OF[kind]!] : null,
});

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/**
 * The whole timeline of a case, unfiltered, newest first, as `ctx` may see it: the case's own entries,
 * and the linked alerts' events, presentations and reveals only for alerts `ctx` may view (each such
 * read recorded against the alert). Callers have loaded and authorised the case.
 */
export async function loadChronology(db: Db, ctx: RequestContext, kase: CaseRow): Promise<ChronologyItem[]> {
  const caseId = kase.id;
  const own = await db.select().from(caseEvents).where(eq(caseEvents.caseId, caseId));
  const items: ChronologyItem[] = own.map((e) => {
    const detail = (e.detail ?? {}) as Record<string, unknown>;
    return {
      id: e.id,
      at: e.occurredAt,
      timeKnown: detail.timeKnown !== false,
      ...describeKind(e.kind as ChronologyKind),
      summary: e.summary,
      recordedBy: e.recordedByName,
      recordedByOrganisation: e.recordedByOrganisationName,
      recordedAt: e.recordedAt,
      source: e.source === 'practitioner' ? 'practitioner' : 'system',
      professional: str(detail.professional),
      agency: str(detail.agency),
      alertReference: null,
    };
  });

  const viewable = await viewableLinkedAlerts(db, ctx, kase, 'chronology');
  const linked = [...viewable].map(([id, reference]) => ({ id, reference }));
  if (linked.length) {
    const ids = linked.map((a) => a.id);
    const refOf = new Map(linked.map((a) => [a.id, a.reference]));

    const lifecycle = await db
      .select({ e: alertEvents, organisation: organisations.name })
      .from(alertEvents)
      .leftJoin(organisations, eq(organisations.id, alertEvents.byOrganisationId))
      .where(inArray(alertEvents.alertId, ids));
    for (const { e, organisation } of lifecycle) {
      const ref = refOf.get(e.alertId) ?? '';
      const what = ALERT_EVENT_TEXT[e.event] ?? e.event.replace(/_/g, ' ');
      const why = e.reason && ALERT_REASON_SHOWN.has(e.event) ? `: ${e.reason}` : '';
      items.push({
        id: `alert-event:${e.id}`,
        at: e.at,
        timeKnown: true,
        ...describeKind('alert_event'),
        summary: `High-risk alert ${ref} ${what} (version ${e.version})${why}`,
        recordedBy: e.byName,
        recordedByOrganisation: organisation ?? null,
        recordedAt: e.at,
        source: 'alert',
        professional: null,
        agency: null,
        alertReference: ref,
      });
    }

    const presented = await db.select().from(presentations).where(inArray(presentations.alertId, ids));
    for (const p of presented) {
      const ref = refOf.get(p.alertId) ?? '';
      const where = `${p.placeName}${p.location ? ` (${p.location})` : ''}`;
      const differs = p.inconsistencies.length ? ` Details she gave differ from the alert: ${p.inconsistencies.map((i) => i.text).join('; ')}.` : '';
      const note = p.note ? ` Note: ${p.note}` : '';
      items.push({
        id: `presentation:${p.id}`,
        at: p.presentedAt,
        timeKnown: true,
        ...describeKind('presentation'),
        summary: `She presented at ${where}, ${p.organisationName}: confirmed as the woman in alert ${ref} ("same person").${differs}${note}`,
        recordedBy: p.userName,
        recordedByOrganisation: p.organisationName,
        recordedAt: p.createdAt,
        source: 'alert',
        professional: null,
        agency: null,
        alertReference: ref,
      });
    }

    // The clinician is not named: a reveal is a search, and who searched is for the alert's own access history.
    const reveals = await db
      .select({ r: pointOfCareReveals, organisation: organisations.name })
      .from(pointOfCareReveals)
      .innerJoin(organisations, eq(organisations.id, pointOfCareReveals.organisationId))
      .where(inArray(pointOfCareReveals.alertId, ids));
    for (const { r, organisation } of reveals) {
      const ref = refOf.get(r.alertId) ?? '';
      const reason = r.reason === 'other' ? (r.reasonOther ?? 'another reason') : (REVEAL_REASON_LABELS[r.reason as RevealReason] ?? r.reason).toLowerCase();
      const outcome = r.outcome ? `They ${OUTCOME_TEXT[r.outcome] ?? r.outcome}.` : 'No outcome recorded yet.';
      items.push({
        id: `reveal:${r.id}`,
        at: r.createdAt,
        timeKnown: true,
        ...describeKind('matched_search'),
        summary: `A clinician at ${organisation} revealed a possible match with alert ${ref} (${reason}). ${outcome}`,
        recordedBy: null,
        recordedByOrganisation: organisation,
        recordedAt: r.createdAt,
        source: 'alert',
        professional: null,
        agency: null,
        alertReference: ref,
      });
    }
  }

  return items.sort((a, b) => b.at.getTime() - a.at.getTime() || (b.recordedAt?.getTime() ?? 0) - (a.recordedAt?.getTime() ?? 0) || (a.id < b.id ? 1 : -1));
}

/** Check a filter as given (a query string, a JSON body). Unknown kinds or indicators are a ValidationError. */
export function parseChronologyFilter(raw: ChronologyFilter): { kinds: ChronologyKind[]; indicator: Indicator | null } {
  return parseInput(filterSchema, { kinds: raw.kinds ?? null, indicator: raw.indicator ?? null });
}

export function applyChronologyFilter(
  items: readonly ChronologyItem[],
  filter: { kinds: readonly ChronologyKind[]; indicator: Indicator | null },
): ChronologyItem[] {
  return items.filter((i) => (!filter.kinds.length || filter.kinds.includes(i.kind)) && (!filter.indicator || i.indicator === filter.indicator));
}

/** A case's chronology for someone who may see the case: audited as `case.chronology.view`. */
export async function caseChronology(db: Db, ctx: RequestContext, caseId: string, raw: ChronologyFilter = {}): Promise<ChronologyItem[]> {
  const filter = parseChronologyFilter(raw);
  const kase = await requireCase(db, ctx, caseId, 'case.view', { auditRead: 'case.chronology.view' });
  return applyChronologyFilter(await loadChronology(db, ctx, kase), filter);
}

// ── Recording an event by hand ─────────────────────────────────────────────────────────────────────

const PRACTITIONER_SET: ReadonlySet<string> = new Set(PRACTITIONER_KINDS);
const SYSTEM_KIND_MESSAGE = 'Beacon records that kind of entry itself when it happens. Choose what you saw or were told from the list';

/** When it happened: a date (YYYY-MM-DD, time not known) or an instant. */
function occurredAtSchema(now: Date) {
  const today = londonDate(now);
  // Two calendar years back (from 29 February, the 28th).
  const twoYearsAgo = `${Number(today.slice(0, 4)) - 2}${today.slice(4)}`;
  const earliest = isIsoDate(twoYearsAgo) ? twoYearsAgo : `${Number(today.slice(0, 4)) - 2}-02-28`;
  return (
    z
      .string({ error: 'Enter the date it happened' })
      .trim()
      .min(1, 'Enter the date it happened')
      .transform((v, c) => {
        if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
          if (!isIsoDate(v)) {
            c.addIssue({ code: 'custom', message: 'The date it happened must be a real date' });
            return z.NEVER;
          }
          return { at: londonWallClockToInstant(v, 0, 0), timeKnown: false, day: v };
        }
        const at = new Date(v);
        if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(at.getTime())) {
          c.addIssue({ code: 'custom', message: 'The date it happened must be a real date, and the time like 14:30' });
          return z.NEVER;
        }
        return { at, timeKnown: true, day: londonDate(at) };
      })
      // A few minutes' grace for a clock that runs ahead of the server's.
      .refine((o) => (o.timeKnown ? o.at.getTime() <= now.getTime() + 5 * 60_000 : o.day <= today), 'The date it happened cannot be in the future')
      .refine((o) => o.day >= earliest, 'The date it happened must be within the last 2 years')
  );
}

export const observationSchema = (now: Date) =>
  z.object(
    {
      kind: z
        .string({ error: 'Choose what happened' })
        .min(1, 'Choose what happened')
        .superRefine((k, c) => {
          if (PRACTITIONER_SET.has(k)) return;
          c.addIssue({
            code: 'custom',
            message: (CHRONOLOGY_KINDS as readonly string[]).includes(k) ? SYSTEM_KIND_MESSAGE : 'Choose what happened from the list',
          });
        })
        .transform((k) => k as PractitionerKind),
      occurredAt: occurredAtSchema(now),
      summary: z.string({ error: 'Enter what happened' }).trim().min(1, 'Enter what happened').max(2000, 'What happened must be 2,000 characters or fewer'),
      professional: optionalNamedText(120, 'The professional involved'),
      agency: optionalNamedText(200, 'The agency involved'),
    },
    { error: 'Send the entry as an object with kind, occurredAt and summary' },
  );
export type ObservationInput = z.output<ReturnType<typeof observationSchema>>;

/**
 * Record something a practitioner saw or was told: a missed appointment, a no-access visit, a change of
 * address, an agreed action not done. Only practitioner kinds: what Beacon records itself (an alert
 * linked, a prompt raised) cannot be entered by hand. The pattern rules run in the same transaction.
 */
export async function recordObservation(
  db: Db,
  ctx: RequestContext,
  caseId: string,
  raw: unknown,
  now = new Date(),
): Promise<{ id: string; promptsRaised: number }> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  const input = parseInput(observationSchema(now), raw);
  return db.transaction(async (tx) => {
    // The lock appendCaseEvent takes to evaluate the patterns, taken first, so that "prompts raised" counts
    // this entry's prompts and not those of an entry recorded on the same case at the same moment.
    await tx.select({ id: cases.id }).from(cases).where(eq(cases.id, caseId)).for('no key update');
    const promptCount = async () =>
      Number((await tx.select({ n: sql<number>`count(*)::int` }).from(casePrompts).where(eq(casePrompts.caseId, caseId)))[0]?.n ?? 0);
    const before = await promptCount();
    const id = await appendCaseEvent(tx, ctx, caseId, {
      kind: input.kind,
      occurredAt: input.occurredAt.at,
      summary: input.summary,
      detail: {
        timeKnown: input.occurredAt.timeKnown,
        ...(input.professional ? { professional: input.professional } : {}),
        ...(input.agency ? { agency: input.agency } : {}),
      },
      source: 'practitioner',
    });
    const promptsRaised = (await promptCount()) - before;
    await recordCaseChange(tx, ctx, caseId, 'case.chronology.record', { eventId: id, kind: input.kind, promptsRaised });
    return { id, promptsRaised };
  });
}

// ── Prompts ────────────────────────────────────────────────────────────────────────────────────────

export const PROMPT_RESPONSE_KINDS = ['discussed_with_lead', 'action_taken', 'no_further_action'] as const;
export type PromptResponseKind = (typeof PROMPT_RESPONSE_KINDS)[number];
export const PROMPT_RESPONSE_LABELS: Record<PromptResponseKind, string> = {
  discussed_with_lead: 'Discussed with the safeguarding lead',
  action_taken: 'Action taken',
  no_further_action: 'Considered: no further action',
};

export const promptAnswerSchema = z.object(
  {
    responseKind: z.enum(PROMPT_RESPONSE_KINDS, { error: 'Choose what you did about this prompt' }),
    response: z
      .string({ error: 'Enter what you considered and decided' })
      .trim()
      .min(10, 'Enter what you considered and decided')
      .max(2000, 'What you considered and decided must be 2,000 characters or fewer'),
  },
  { error: 'Send the answer as an object with responseKind and response' },
);

export interface PromptView {
  id: string;
  ruleKey: string;
  ruleLabel: string;
  prompt: string;
  raisedAt: Date;
  windowStart: Date;
  windowEnd: Date;
  answered: boolean;
  responseKind: PromptResponseKind | null;
  responseKindLabel: string | null;
  response: string | null;
  respondedBy: string | null;
  respondedAt: Date | null;
  /** The entries that made up the pattern, oldest first. */
  events: { id: string; at: Date; timeKnown: boolean; kind: ChronologyKind; label: string; summary: string; recordedBy: string | null }[];
}

/** A case's prompts, unanswered first (oldest first), then answered (newest first). No authorisation. */
export async function loadPrompts(db: Db, caseId: string): Promise<PromptView[]> {
  const rows = await db.select().from(casePrompts).where(eq(casePrompts.caseId, caseId)).orderBy(asc(casePrompts.raisedAt));
  const ids = [...new Set(rows.flatMap((p) => p.eventIds))];
  const events = ids.length
    ? await db
        .select()
        .from(caseEvents)
        .where(and(eq(caseEvents.caseId, caseId), inArray(caseEvents.id, ids)))
    : [];
  const byId = new Map(events.map((e) => [e.id, e]));
  const views = rows.map((p): PromptView => {
    const kind = p.responseKind as PromptResponseKind | null;
    return {
      id: p.id,
      ruleKey: p.ruleKey,
      ruleLabel: p.ruleLabel,
      prompt: p.prompt,
      raisedAt: p.raisedAt,
      windowStart: p.windowStart,
      windowEnd: p.windowEnd,
      answered: !!p.respondedAt,
      responseKind: kind,
      responseKindLabel: kind ? (PROMPT_RESPONSE_LABELS[kind] ?? kind) : null,
      response: p.response,
      respondedBy: p.respondedByName,
      respondedAt: p.respondedAt,
      events: p.eventIds
        .map((id) => byId.get(id))
        .filter((e) => !!e)
        .map((e) => ({
          id: e.id,
          at: e.occurredAt,
          timeKnown: (e.detail as Record<string, unknown> | null)?.timeKnown !== false,
          kind: e.kind as ChronologyKind,
          label: CHRONOLOGY_KIND_LABELS[e.kind as ChronologyKind] ?? e.kind,
          summary: e.summary,
          recordedBy: e.recordedByName,
        }))
        .sort((a, b) => a.at.getTime() - b.at.getTime()),
    };
  });
  const open = views.filter((v) => !v.answered);
  const answered = views.filter((v) => v.answered).sort((a, b) => (b.respondedAt?.getTime() ?? 0) - (a.respondedAt?.getTime() ?? 0));
  return [...open, ...answered];
}

/** A case's prompts, open and answered, with the entries behind each: audited as `case.prompts.view`. */
export async function promptsForCase(db: Db, ctx: RequestContext, caseId: string): Promise<PromptView[]> {
  const kase = await requireCase(db, ctx, caseId, 'case.view', { auditRead: 'case.prompts.view' });
  return loadPrompts(db, kase.id);
}

/**
 * Answer a prompt with what was considered and decided. Once: an answered prompt keeps its first answer
 * (a later thought is a new chronology entry, not a rewrite of the record).
 */
export async function answerPrompt(db: Db, ctx: RequestContext, caseId: string, promptId: string, raw: unknown, now = new Date()): Promise<void> {
  const kase = await requireCase(db, ctx, caseId, 'case.update');
  assertOpen(kase);
  if (!isUuid(promptId)) throw new NotFoundError('Prompt');
  const input = parseInput(promptAnswerSchema, raw);
  await db.transaction(async (tx) => {
    const [prompt] = await tx
      .select()
      .from(casePrompts)
      .where(and(eq(casePrompts.id, promptId), eq(casePrompts.caseId, caseId)));
    if (!prompt) throw new NotFoundError('Prompt');
    const done = await tx
      .update(casePrompts)
      .set({
        responseKind: input.responseKind,
        response: input.response,
        respondedByUserId: ctx.actor?.userId ?? null,
        respondedByName: ctx.actor?.displayName ?? null,
        respondedAt: now,
      })
      .where(and(eq(casePrompts.id, promptId), isNull(casePrompts.respondedAt)))
      .returning({ id: casePrompts.id });
    if (!done.length) {
      const [answered] = await tx.select({ by: casePrompts.respondedByName }).from(casePrompts).where(eq(casePrompts.id, promptId));
      throw new ValidationError({
        form: `This prompt has already been answered${answered?.by ? ` by ${answered.by}` : ''}. Record anything more as a new entry in the chronology.`,
      });
    }
    await appendCaseEvent(tx, ctx, caseId, {
      kind: 'prompt_answered',
      occurredAt: now,
      summary: `Prompt answered: ${prompt.ruleLabel}. ${PROMPT_RESPONSE_LABELS[input.responseKind]}: ${input.response}`,
      detail: { promptId, responseKind: input.responseKind },
    });
    await recordCaseChange(tx, ctx, caseId, 'case.prompt.answer', { promptId, ruleKey: prompt.ruleKey, responseKind: input.responseKind });
  });
}

/**
 * Unanswered prompts on the open cases the person's organisation works on (auditors: every case), the
 * longest waiting first. Audited as a list read, with the count.
 */
export async function unansweredPrompts(db: Db, ctx: RequestContext) {
  authorizeContext(ctx, 'case.list');
  const mine = await caseScope(db, ctx, 'case.view', casePrompts.caseId);
  const list = await db
    .select({
      id: casePrompts.id,
      caseId: casePrompts.caseId,
      reference: cases.reference,
      displayName: cases.displayName,
      ruleLabel: casePrompts.ruleLabel,
      prompt: casePrompts.prompt,
      raisedAt: casePrompts.raisedAt,
    })
    .from(casePrompts)
    .innerJoin(cases, eq(cases.id, casePrompts.caseId))
    .where(and(isNull(casePrompts.respondedAt), eq(cases.status, 'open'), mine))
    .orderBy(asc(casePrompts.raisedAt))
    .limit(500);
  await recordAuditNow(db, ctx, { action: 'case.prompts.list', verb: 'R', entityType: 'Case', detail: { count: list.length } });
  return list;
}
