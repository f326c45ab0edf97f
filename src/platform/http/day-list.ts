/**
 * A list of whole days typed into one box ("7, 14") or sent as an array: the days on which reminders go
 * (before a training session, after a circulation). Empty means none; absent means the default. The same
 * messages and limits wherever it is asked, in the order the reminders are sent.
 */
import { z } from 'zod';

export interface DayListOptions {
  /** When nothing is sent at all. */
  fallback: number[];
  /** The largest day allowed, and at most how many days. */
  max: number;
  most: number;
  /** Soonest reminder first: after an event, ascending; before one, descending. */
  order: 'ascending' | 'descending';
  /** "before the session", "after circulation". */
  relation: string;
  /** An example the person can copy, "14, 2". */
  example: string;
}

export function dayListSchema(o: DayListOptions) {
  const format = `Enter the reminder days as whole numbers separated by commas, for example ${o.example}`;
  return z
    .preprocess(
      (v) =>
        v === undefined
          ? o.fallback
          : Array.isArray(v)
            ? v
            : String(v)
                .split(/[\s,]+/)
                .filter(Boolean),
      z.array(
        z.coerce
          .number({ error: format })
          .int(format)
          .min(1, `A reminder must be at least 1 day ${o.relation}`)
          .max(o.max, `A reminder must be at most ${o.max} days ${o.relation}`),
        { error: format },
      ),
    )
    .transform((v) => [...new Set(v)].sort((a, b) => (o.order === 'ascending' ? a - b : b - a)))
    .refine((v) => v.length <= o.most, `Give at most ${o.most} reminders`);
}
