/**
 * The discharge gate: whether a discharge decision for a baby on a case can be recorded now.
 *
 * A baby must not leave hospital while a required discharge planning meeting has not been held or any
 * toxicology is still pending, because those are the two points where a plan to keep the baby safe gets
 * made or changed. Whether a meeting is required must itself have been decided: "nobody said" blocks,
 * so a discharge cannot slip through because a question was left blank.
 *
 * Clinical reality sometimes overrides this (a well baby whose results are delayed by a weekend). A senior
 * clinician may then record an override, with the reason, and only once the named social worker has been
 * told. The override is recorded, never silent: the service stores the blockers it overrode.
 */

/** One toxicology test on mother or baby. Cancelled tests do not block: nothing is coming back. */
export interface ToxicologyTest {
  id: string;
  subject: 'mother' | 'baby';
  /** The sample, as practitioners name it: "meconium", "urine", "hair". */
  sample: string;
  status: 'pending' | 'resulted' | 'cancelled';
}

/** What a senior clinician records to discharge despite blockers. Every part is required; blank text counts as missing. */
export interface DischargeOverride {
  reason?: string | null;
  seniorClinicianName?: string | null;
  seniorClinicianRole?: string | null;
  socialWorkerInformedName?: string | null;
  socialWorkerInformedAt?: Date | null;
}

export interface GateInput {
  /** `required` null means nobody has recorded whether a meeting is needed. */
  dpm: { required: boolean | null; held: boolean };
  toxicology: readonly ToxicologyTest[];
  /** Give an override only when the user chose to override; null or absent means "not overriding". */
  override?: DischargeOverride | null;
  now: Date;
}

/** Something that stops a discharge decision being recorded. */
export type Blocker =
  | { code: 'dpm_not_decided' }
  | { code: 'dpm_not_held' }
  /** `testIds` are the pending tests; `description` names them ("baby meconium, mother urine") in the same order. */
  | { code: 'toxicology_pending'; testIds: string[]; description: string };

/**
 * - `clear`: nothing blocks; any override given is ignored and should not be stored.
 * - `blocked`: something blocks and no override was given.
 * - `overridden`: something blocks and a complete override was given; store it with the blockers.
 * - `override_incomplete`: an override was given with parts missing; `problems` is field → message.
 */
export type GateResult =
  | { outcome: 'clear' }
  | { outcome: 'blocked'; blockers: Blocker[] }
  | { outcome: 'overridden'; blockers: Blocker[] }
  | { outcome: 'override_incomplete'; blockers: Blocker[]; problems: Record<string, string> };

/** The shortest reason accepted, after collapsing spaces: long enough that "discharged" alone is not a reason. */
export const OVERRIDE_REASON_MIN_CHARACTERS = 20;
/** Telling the social worker must be recent, so it is about this discharge and not a conversation last month. */
export const SOCIAL_WORKER_INFORMED_MAX_DAYS = 7;

/** Plain-English sentence for a blocker, for the page and the audit record. */
export function blockerMessage(b: Blocker): string {
  switch (b.code) {
    case 'dpm_not_decided':
      return 'Nobody has recorded whether a discharge planning meeting is required';
    case 'dpm_not_held':
      return 'A discharge planning meeting is required and has not been held';
    case 'toxicology_pending':
      return `Toxicology is still pending: ${b.description}`;
  }
}

/** What the blocker is waiting for, to finish "Enter the reason for discharging before …". */
const WAITING_FOR: Record<Blocker['code'], string> = {
  dpm_not_decided: 'it is decided whether a discharge planning meeting is required',
  dpm_not_held: 'the discharge planning meeting is held',
  toxicology_pending: 'toxicology results are back',
};

/** Text with runs of spaces and line breaks collapsed, so padding cannot make up a reason. */
const clean = (s: string | null | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();

/** What blocks discharge, in a fixed order: the meeting, then toxicology. */
export function dischargeBlockers(input: Pick<GateInput, 'dpm' | 'toxicology'>): Blocker[] {
  const blockers: Blocker[] = [];
  if (input.dpm.required === null) blockers.push({ code: 'dpm_not_decided' });
  else if (input.dpm.required && !input.dpm.held) blockers.push({ code: 'dpm_not_held' });
  const pending = input.toxicology.filter((t) => t.status === 'pending');
  if (pending.length > 0) {
    const names = [...new Set(pending.map((t) => `${t.subject} ${clean(t.sample) || 'sample'}`))];
    blockers.push({ code: 'toxicology_pending', testIds: pending.map((t) => t.id), description: names.join(', ') });
  }
  return blockers;
}

function overrideProblems(o: DischargeOverride, blockers: readonly Blocker[], now: Date): Record<string, string> {
  const problems: Record<string, string> = {};
  const reason = clean(o.reason);
  if (reason === '') problems.overrideReason = `Enter the reason for discharging before ${blockers.map((b) => WAITING_FOR[b.code]).join(' and ')}`;
  else if (reason.length < OVERRIDE_REASON_MIN_CHARACTERS || !/\p{L}/u.test(reason)) {
    problems.overrideReason = `The reason must be at least ${OVERRIDE_REASON_MIN_CHARACTERS} characters: explain why the baby is being discharged now`;
  }
  if (clean(o.seniorClinicianName) === '') problems.seniorClinicianName = 'Enter the name of the senior clinician authorising discharge';
  if (clean(o.seniorClinicianRole) === '') problems.seniorClinicianRole = 'Enter the senior clinician’s role, for example consultant paediatrician';
  if (clean(o.socialWorkerInformedName) === '') problems.socialWorkerInformedName = 'Enter the name of the social worker who was told';

  const told = o.socialWorkerInformedAt;
  if (!(told instanceof Date) || Number.isNaN(told.getTime())) problems.socialWorkerInformedAt = 'Enter the date and time the social worker was told';
  else if (told.getTime() > now.getTime()) problems.socialWorkerInformedAt = 'The time the social worker was told must not be in the future';
  else if (now.getTime() - told.getTime() > SOCIAL_WORKER_INFORMED_MAX_DAYS * 86_400_000) {
    problems.socialWorkerInformedAt = `The time the social worker was told must be within the last ${SOCIAL_WORKER_INFORMED_MAX_DAYS} days`;
  }
  return problems;
}

/**
 * Whether a discharge decision may be recorded. Blockers come in a fixed order (the meeting, then
 * toxicology). An override only matters when something blocks, and then must be complete.
 */
export function checkDischargeGate(input: GateInput): GateResult {
  const blockers = dischargeBlockers(input);
  if (blockers.length === 0) return { outcome: 'clear' };
  if (!input.override) return { outcome: 'blocked', blockers };
  const problems = overrideProblems(input.override, blockers, input.now);
  return Object.keys(problems).length > 0 ? { outcome: 'override_incomplete', blockers, problems } : { outcome: 'overridden', blockers };
}
