import { eq } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { recordAudit } from '../platform/audit/service';
import { ValidationError } from '../platform/errors';
import { isUuid } from '../directory/service';
import { units } from '../directory/schema';
import { alertBirths } from './schema';
import { isValidNhsNumber, normaliseNhsNumber } from '../identity/matching/nhs-number';
import { addDays, formatDate, isIsoDate, londonDate } from './pregnancy';
import { currentContent } from './access';
import { applyEvent, newVersion } from './service';
import { requireAlert } from './access';

// ── Birth ────────────────────────────────────────────────────────────────────────────────────────────

export const BABY_SEXES = ['female', 'male', 'indeterminate', 'not_known'] as const;
export type BabySex = (typeof BABY_SEXES)[number];
export const BABY_SEX_LABELS: Record<BabySex, string> = { female: 'Female', male: 'Male', indeterminate: 'Indeterminate', not_known: 'Not known' };
/** A baby is not born more than 24 weeks before the due date (earlier than viability is refused as a typing error). */
const EARLIEST_BIRTH_WEEKS_BEFORE_EDD = 24;
const MAX_BABY_NAME = 100;

export interface BirthInput {
  babyGivenName?: string | null;
  babyFamilyName?: string | null;
  dateOfBirth: string;
  nhsNumber?: string | null;
  sex: string;
  placeOfBirthUnitId?: string | null;
}

/** The birth as it is kept in the alert's version content (and shown on the alert page). */
export interface AlertBirth {
  babyGivenName: string | null;
  babyFamilyName: string | null;
  dateOfBirth: string;
  nhsNumber: string | null;
  sex: BabySex;
  placeOfBirthUnitId: string | null;
  placeOfBirth: string | null;
}

const optionalText = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/**
 * Record the baby's birth on an active alert (or correct it): the owners only. It is a change recipients
 * must know about, so it makes a new version (same content plus the birth) distributed as an update; from
 * then on the alert covers the baby too (the register index adds the baby's identity).
 */
export async function recordBirth(db: Db, ctx: RequestContext, alertId: string, input: BirthInput, now = new Date()): Promise<number> {
  const raw = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  return db.transaction(async (tx) => {
    const { alert: a } = await requireAlert(tx, ctx, alertId, 'alert.change', { lock: true });
    if (a.status !== 'active') throw new ValidationError({ form: 'A birth can only be recorded on an active alert.' });
    const errors: Record<string, string> = {};
    const babyGivenName = optionalText(raw.babyGivenName);
    const babyFamilyName = optionalText(raw.babyFamilyName);
    if (babyGivenName && babyGivenName.length > MAX_BABY_NAME) errors.babyGivenName = `The baby’s given name must be ${MAX_BABY_NAME} characters or fewer`;
    if (babyFamilyName && babyFamilyName.length > MAX_BABY_NAME) errors.babyFamilyName = `The baby’s family name must be ${MAX_BABY_NAME} characters or fewer`;
    const dateOfBirth = optionalText(raw.dateOfBirth);
    const today = londonDate(now);
    if (!dateOfBirth) errors.dateOfBirth = 'Enter the baby’s date of birth';
    else if (!isIsoDate(dateOfBirth)) errors.dateOfBirth = 'The baby’s date of birth must be a real date';
    else if (dateOfBirth > today) errors.dateOfBirth = 'The baby’s date of birth must be today or in the past';
    else if (a.edd && dateOfBirth < addDays(a.edd, -EARLIEST_BIRTH_WEEKS_BEFORE_EDD * 7)) {
      errors.dateOfBirth = `The baby’s date of birth must be on or after ${formatDate(addDays(a.edd, -EARLIEST_BIRTH_WEEKS_BEFORE_EDD * 7))}, ${EARLIEST_BIRTH_WEEKS_BEFORE_EDD} weeks before the due date`;
    }
    const nhsRaw = optionalText(raw.nhsNumber);
    const nhsNumber = nhsRaw ? normaliseNhsNumber(nhsRaw) : null;
    if (nhsRaw && !isValidNhsNumber(nhsRaw)) errors.nhsNumber = 'Enter a valid NHS number for the baby (10 digits, check the number is correct)';
    const sex = optionalText(raw.sex);
    if (!sex || !(BABY_SEXES as readonly string[]).includes(sex)) errors.sex = 'Select the baby’s sex, or “Not known”';
    const unitId = optionalText(raw.placeOfBirthUnitId);
    let placeOfBirth: string | null = null;
    if (unitId) {
      const [u] = isUuid(unitId) ? await tx.select({ name: units.name }).from(units).where(eq(units.id, unitId)) : [];
      if (!u) errors.placeOfBirthUnitId = 'Select a place of birth from the list';
      else placeOfBirth = u.name;
    }
    if (Object.keys(errors).length) throw new ValidationError(errors);

    const birth: AlertBirth = {
      babyGivenName,
      babyFamilyName,
      dateOfBirth: dateOfBirth!,
      nhsNumber,
      sex: sex as BabySex,
      placeOfBirthUnitId: unitId,
      placeOfBirth,
    };
    const [existing] = await tx.select({ id: alertBirths.id }).from(alertBirths).where(eq(alertBirths.alertId, a.id));
    const reason = existing ? 'Birth details corrected' : `Baby born ${formatDate(birth.dateOfBirth)}`;
    const { next } = await applyEvent(tx, ctx, a, { type: 'update', reason }, now, 'form');
    const values = {
      babyGivenName,
      babyFamilyName,
      dateOfBirth: birth.dateOfBirth,
      nhsNumber,
      sex: birth.sex,
      placeOfBirthUnitId: unitId,
      recordedByUserId: ctx.actor!.userId,
      recordedAt: now,
    };
    if (existing) await tx.update(alertBirths).set(values).where(eq(alertBirths.id, existing.id));
    else await tx.insert(alertBirths).values({ alertId: a.id, ...values });
    await recordAudit(tx, ctx, {
      action: existing ? 'alert.birth.correct' : 'alert.birth.record',
      verb: existing ? 'U' : 'C',
      entityType: 'Alert',
      entityId: a.id,
      detail: { reference: a.reference, version: next.version },
    });
    const content = { ...((await currentContent(tx, a)) as Record<string, unknown>), birth };
    await newVersion(tx, ctx, a, next.version, 'active', content, reason, 'update');
    return next.version;
  });
}
