/**
 * What a practitioner types when recording a milestone: when it was done (a date, with a time if
 * known), a note, or why it is not needed. Messages are written for the person at the form.
 */
import { z } from 'zod';
import { addDays, isIsoDate } from '../../platform/dates';
import { endOfLondonDay } from '../../platform/working-days';
import { optionalText, requiredText } from '../text-fields';

/** A little leeway for clocks: "now" typed on a ward PC a minute fast is not "in the future". */
export const CLOCK_LEEWAY_MS = 5 * 60_000;

/** 00:00 on a date in England: a date given without a time counts from the start of that day. */
export const startOfLondonDay = (date: string) => new Date(endOfLondonDay(addDays(date, -1)).getTime() + 1);

/**
 * A date (YYYY-MM-DD, read as 00:00 in England) or an ISO date and time, as an instant. Anything else
 * becomes an Invalid Date, which the refinements turn into `invalid`.
 */
export function readInstant(value: string): Date {
  const v = value.trim();
  if (isIsoDate(v)) return startOfLondonDay(v);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(v)) return new Date(Number.NaN);
  return new Date(v);
}

export interface InstantRules {
  missing: string;
  invalid: string;
  /** The latest allowed (usually now) and what to say past it. */
  latest: Date;
  future: string;
  /** The earliest allowed and what to say before it. */
  earliest: Date;
  tooEarly: string;
}

/** A past date and time within a range, with the message for each way it can be wrong. */
export function pastInstant(r: InstantRules) {
  return z
    .string({ error: r.missing })
    .trim()
    .min(1, r.missing)
    .transform((v, ctx) => {
      const d = readInstant(v);
      if (Number.isNaN(d.getTime())) {
        ctx.addIssue({ code: 'custom', message: r.invalid });
        return z.NEVER;
      }
      if (d.getTime() > r.latest.getTime() + CLOCK_LEEWAY_MS) {
        ctx.addIssue({ code: 'custom', message: r.future });
        return z.NEVER;
      }
      if (d.getTime() < r.earliest.getTime()) {
        ctx.addIssue({ code: 'custom', message: r.tooEarly });
        return z.NEVER;
      }
      return d;
    });
}

const YEAR_MS = 366 * 86_400_000;

/** Recording a milestone as done: not in the future, and not more than a year before the case was opened. */
export const completeMilestoneSchema = (now: Date, openedAt: Date) =>
  z.object({
    completedAt: pastInstant({
      missing: 'Enter the date it was done',
      invalid: 'The date it was done must be a real date, with the time as HH:MM if you give one',
      latest: now,
      future: 'The date it was done cannot be in the future',
      earliest: new Date(openedAt.getTime() - YEAR_MS),
      tooEarly: 'The date it was done must be no more than a year before the case was opened',
    }),
    note: optionalText(1000, 'The note must be 1,000 characters or fewer'),
  });

export const notApplicableSchema = z.object({
  reason: requiredText(500, 'Enter why this milestone is not needed for this case', 'The reason must be 500 characters or fewer'),
});

export const undoSchema = z.object({
  reason: requiredText(500, 'Enter why the record is being undone, like "Recorded on the wrong case"', 'The reason must be 500 characters or fewer'),
});

export const moveProtocolSchema = z.object({
  reason: requiredText(500, 'Enter why this case is moving to the protocol now in force', 'The reason must be 500 characters or fewer'),
});
