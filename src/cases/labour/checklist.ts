/**
 * The unbooked-in-labour checklist: what must happen when a woman nobody has booked arrives in labour.
 *
 * She may be using another name, have no NHS number and be gone by morning, so the checks that find
 * an existing plan (the alert register, CP-IS) and the calls that start one (children's social care,
 * the safeguarding midwife, GP, health visitor) all happen on the shift she arrives. Each item records
 * who did it and when. Answers are never edited: a correction is a newer answer, and the first stays in
 * the history, because what the unit knew at 3 a.m. matters afterwards.
 *
 * This module is data and pure rules: no clock, no database.
 */
import { z } from 'zod';

export interface ChecklistAnswer {
  value: string;
  label: string;
  hint?: string;
  /** A note saying why is required with this answer. */
  needsNote?: boolean;
  /**
   * Recorded, but the step is not finished: a possible match still being looked at, CP-IS that could
   * not be reached, a message left. The item stays outstanding until a final answer replaces it.
   */
  provisional?: boolean;
}

export interface ChecklistItem {
  key: string;
  label: string;
  hint: string;
  /** A link that helps do the step (the point-of-care check for the alert register). */
  link?: { href: string; text: string };
  /** A page of this case that goes with the step, as a path under /cases/<id> (toxicology is recorded on Discharge). */
  caseLink?: { path: string; text: string };
  answers: readonly ChecklistAnswer[];
}

export const CHECKLIST_ITEMS = [
  {
    key: 'alert_register_checked',
    label: 'Alert register checked',
    hint: 'Search the high-risk alert register with every name, date of birth and address she gives, including old ones.',
    link: { href: '/check', text: 'Check for an alert (point-of-care check)' },
    answers: [
      { value: 'no_match', label: 'No alert found' },
      { value: 'possible_match', label: 'Possible match: still being checked', hint: 'Record the outcome here once the check is finished', provisional: true },
      { value: 'match_found', label: 'Alert found: it is her', hint: 'Follow the alert’s “what to do on presentation” and link the alert to this case' },
    ],
  },
  {
    key: 'cpis_checked',
    label: 'CP-IS checked',
    hint: 'Child Protection – Information Sharing, on the Spine, against her NHS number. It only shows formal plans: no plan found does not mean no concern.',
    answers: [
      { value: 'no_plan', label: 'No plan found' },
      {
        value: 'plan_found',
        label: 'Plan found (child protection plan, looked-after, or unborn child on a plan)',
        hint: 'Call the local authority on the number CP-IS shows',
      },
      {
        value: 'not_available',
        label: 'Could not check',
        hint: 'CP-IS was unavailable or she has no NHS number yet. Try again when it is back or once her NHS number is traced',
        provisional: true,
      },
    ],
  },
  {
    key: 'csc_referral',
    label: 'Referral to children’s social care',
    hint: 'To the multi-agency safeguarding hub (MASH) in hours, the emergency duty team out of hours.',
    answers: [
      { value: 'referred', label: 'Referred' },
      { value: 'already_open', label: 'Already open to children’s social care', hint: 'Tell the allocated social worker she has presented' },
      { value: 'not_needed', label: 'Not needed', hint: 'Say why in the note: the safeguarding midwife should agree', needsNote: true },
    ],
  },
  {
    key: 'safeguarding_midwife_informed',
    label: 'Safeguarding midwife informed',
    hint: 'Out of hours, leave a message with the safeguarding team and tell the on-call manager.',
    answers: [
      { value: 'done', label: 'Informed' },
      { value: 'not_known', label: 'Not reached yet: message left', hint: 'Say who the message was left with', needsNote: true, provisional: true },
    ],
  },
  {
    key: 'gp_informed',
    label: 'GP informed',
    hint: 'Her GP practice, if she has one or gives one.',
    answers: [
      { value: 'done', label: 'Informed' },
      { value: 'not_known', label: 'GP not known', hint: 'She is not registered, or will not say' },
    ],
  },
  {
    key: 'health_visitor_informed',
    label: 'Health visitor informed',
    hint: 'The health visiting team for the address she gives.',
    answers: [
      { value: 'done', label: 'Informed' },
      { value: 'not_known', label: 'Health visitor not known', hint: 'No address, or no health visiting team found for it' },
    ],
  },
  {
    key: 'toxicology_offered',
    label: 'Toxicology offered',
    hint: 'Offer toxicology for her and the baby, with consent. Record each test on the Discharge page: a pending result holds a discharge.',
    caseLink: { path: '/discharge#toxicology', text: 'Record toxicology tests on the Discharge page' },
    answers: [
      { value: 'consent_given', label: 'Offered: she consented' },
      { value: 'declined', label: 'Offered: she declined' },
      { value: 'not_offered', label: 'Not offered', hint: 'Say why in the note', needsNote: true },
    ],
  },
] as const satisfies readonly ChecklistItem[];

export type ChecklistItemKey = (typeof CHECKLIST_ITEMS)[number]['key'];
export const CHECKLIST_ITEM_KEYS = CHECKLIST_ITEMS.map((i) => i.key) as [ChecklistItemKey, ...ChecklistItemKey[]];

export function checklistItem(key: string): ChecklistItem | undefined {
  return (CHECKLIST_ITEMS as readonly ChecklistItem[]).find((i) => i.key === key);
}

export function answerOf(item: ChecklistItem, value: string): ChecklistAnswer | undefined {
  return item.answers.find((a) => a.value === value);
}

/** Items whose answers need a note, and which answers: for the page's hints and the API description. */
export function itemsNeedingNotes(): { item: ChecklistItemKey; answers: string[] }[] {
  return (CHECKLIST_ITEMS as readonly ChecklistItem[])
    .map((i) => ({ item: i.key as ChecklistItemKey, answers: i.answers.filter((a) => a.needsNote).map((a) => a.value) }))
    .filter((x) => x.answers.length > 0);
}

export const CHECKLIST_LIMITS = { note: 1000 } as const;
/** How long before the case was opened an item may have been done (the unit often records it once she is settled). */
export const CHECKLIST_EARLIEST_BEFORE_OPENING_MS = 86_400_000;
/** Clocks on ward computers drift: a time a few minutes ahead is not "in the future". */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * One answer as typed: item, answer, note, when it was done (default: now). `openedAt` is when the case
 * was opened: an answer from more than a day before that belongs to another episode.
 */
export function checklistEntrySchema(now: Date, openedAt: Date) {
  const earliest = new Date(openedAt.getTime() - CHECKLIST_EARLIEST_BEFORE_OPENING_MS);
  return z
    .object({
      item: z.enum(CHECKLIST_ITEM_KEYS, { error: 'Choose a checklist item' }),
      answer: z.string({ error: 'Choose an answer' }).trim().min(1, 'Choose an answer'),
      note: z
        .string({ error: 'The note must be text' })
        .trim()
        .max(CHECKLIST_LIMITS.note, `The note must be ${CHECKLIST_LIMITS.note} characters or fewer`)
        .nullish()
        .transform((v) => v || null),
      doneAt: z
        .union([z.date(), z.string(), z.null()], { error: 'Enter the date and time it was done' })
        .optional()
        .transform((v, ctx) => {
          if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) return now;
          const d = v instanceof Date ? v : new Date(v.trim());
          if (Number.isNaN(d.getTime())) {
            ctx.addIssue({ code: 'custom', message: 'Enter a real date and time, like 27 11 2026 and 14:30' });
            return z.NEVER;
          }
          return d;
        }),
    })
    .superRefine((v, ctx) => {
      const item = checklistItem(v.item)!;
      const answer = answerOf(item, v.answer);
      if (!answer) {
        ctx.addIssue({ code: 'custom', path: ['answer'], message: `Choose an answer for “${item.label}”` });
        return;
      }
      if (answer.needsNote && !v.note) ctx.addIssue({ code: 'custom', path: ['note'], message: `Enter a note: “${answer.label}” needs a reason` });
      if (v.doneAt.getTime() > now.getTime() + CLOCK_SKEW_MS)
        ctx.addIssue({ code: 'custom', path: ['doneAt'], message: 'The time it was done cannot be in the future' });
      else if (v.doneAt.getTime() < earliest.getTime()) {
        ctx.addIssue({ code: 'custom', path: ['doneAt'], message: 'The time it was done must be no more than a day before the case was opened' });
      }
    });
}
export type ChecklistEntryInput = z.output<ReturnType<typeof checklistEntrySchema>>;

/** A stored answer, as the state needs it. */
export interface ChecklistEntry {
  id: string;
  item: string;
  answer: string;
  note: string | null;
  doneAt: Date;
  recordedByName: string;
  recordedAt: Date;
}

export interface ChecklistItemState<E extends ChecklistEntry = ChecklistEntry> {
  item: ChecklistItem;
  /** The newest answer, or null if the item has not been answered. */
  current: (E & { answerLabel: string; provisional: boolean }) | null;
  /** Earlier answers, newest first (corrections keep what was said before). */
  earlier: (E & { answerLabel: string })[];
  /** Not answered, or answered provisionally. */
  outstanding: boolean;
}

export interface ChecklistState<E extends ChecklistEntry = ChecklistEntry> {
  items: ChecklistItemState<E>[];
  outstanding: ChecklistItemKey[];
  complete: boolean;
}

/**
 * Where the checklist stands: per item, the newest answer (by when it was recorded, not when it was
 * done: a correction typed later wins even if it is about an earlier moment) and the ones it replaced.
 * Entries for items that are no longer defined are ignored. Entries recorded at the same instant keep
 * the order they were given in, the later one winning.
 */
export function checklistState<E extends ChecklistEntry>(entries: readonly E[]): ChecklistState<E> {
  const ordered = entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.recordedAt.getTime() - b.e.recordedAt.getTime() || a.i - b.i);
  const items = (CHECKLIST_ITEMS as readonly ChecklistItem[]).map((item): ChecklistItemState<E> => {
    const mine = ordered.filter((x) => x.e.item === item.key).map((x) => x.e);
    const labelled = mine.map((e) => ({ ...e, answerLabel: answerOf(item, e.answer)?.label ?? e.answer })).reverse();
    const newest = labelled[0];
    const current = newest ? { ...newest, provisional: !!answerOf(item, newest.answer)?.provisional } : null;
    return { item, current, earlier: labelled.slice(1), outstanding: !current || current.provisional };
  });
  const outstanding = items.filter((s) => s.outstanding).map((s) => s.item.key as ChecklistItemKey);
  return { items, outstanding, complete: outstanding.length === 0 };
}

/** One line for the chronology: "CP-IS checked: No plan found (correction)". */
export function describeEntry(item: ChecklistItem, answer: string, correction: boolean): string {
  const a = answerOf(item, answer);
  return `Unbooked in labour checklist – ${item.label}: ${a?.label ?? answer}${correction ? ' (replaces an earlier answer)' : ''}`;
}
