/**
 * The learning needs analysis in words and shapes: what a review finds of a course, and the zod schemas
 * its forms and API bodies are checked with.
 */
import { z } from 'zod';
import { ROLE_LABELS, ROLES, type Role } from '../platform/context';
import { isIsoDate } from '../platform/dates';
import { TOPICS } from './model';

export const COVERAGE = ['covered', 'partly', 'not_covered'] as const;
export type Coverage = (typeof COVERAGE)[number];
export const COVERAGE_LABELS: Record<Coverage, string> = {
  covered: 'Covered',
  partly: 'Partly covered',
  not_covered: 'Not covered',
};

/** What the seed asked the workforce development group to check, offered as the brief of a new round. */
export const SEED_BRIEF =
  'Ensure that information regarding the recognition and response to parental disguised compliance is included throughout the training offering.';

export const roundSchema = z.object({
  title: z
    .string({ error: 'Enter a title for the review round' })
    .trim()
    .min(1, 'Enter a title for the review round')
    .max(200, 'The title must be 200 characters or fewer'),
  topic: z.enum(TOPICS, { error: 'Choose the topic every course is reviewed against' }),
  brief: z
    .string({ error: 'Say what the group is asked to check' })
    .trim()
    .min(1, 'Say what the group is asked to check')
    .max(2000, 'The brief must be 2000 characters or fewer'),
  ownerEmail: z.string({ error: 'Enter the email address of the round’s owner' }).trim().min(1, 'Enter the email address of the round’s owner'),
  dueOn: z
    .string({ error: 'Enter the date the review is due, for example 2027-03-31' })
    .trim()
    .refine(isIsoDate, 'Enter the date the review is due as a real date, for example 2027-03-31'),
});
export type RoundInput = z.output<typeof roundSchema>;

export const findingSchema = z
  .object({
    coverage: z.enum(COVERAGE, { error: 'Choose whether the course covers the topic' }),
    evidence: z
      .string({ error: 'Give the evidence: where in the course the topic is, or what is missing' })
      .trim()
      .min(1, 'Give the evidence: where in the course the topic is, or what is missing')
      .max(2000, 'The evidence must be 2000 characters or fewer'),
    action: z
      .string()
      .trim()
      .max(2000, 'The action must be 2000 characters or fewer')
      .optional()
      .transform((v) => (v ? v : null)),
  })
  .superRefine((v, ctx) => {
    if (v.coverage !== 'covered' && !v.action)
      ctx.addIssue({ code: 'custom', path: ['action'], message: 'Say what will be done, as the course does not fully cover the topic' });
  });
export type FindingInput = z.output<typeof findingSchema>;

export const signOffSchema = z.object({
  note: z
    .string()
    .trim()
    .max(2000, 'The note must be 2000 characters or fewer')
    .optional()
    .transform((v) => (v ? v : null)),
});

export const coverageQuerySchema = z.object({
  topic: z.enum(TOPICS, { error: 'Choose a topic from the list' }).default('disguised_compliance'),
  years: z.coerce
    .number({ error: 'Enter the number of years as a whole number from 1 to 10' })
    .int('Enter the number of years as a whole number from 1 to 10')
    .min(1, 'Enter the number of years as a whole number from 1 to 10')
    .max(10, 'Enter the number of years as a whole number from 1 to 10')
    .default(3),
  target: z.coerce
    .number({ error: 'Enter the target as a percentage from 1 to 100' })
    .int('Enter the target as a whole percentage from 1 to 100')
    .min(1, 'Enter the target as a percentage from 1 to 100')
    .max(100, 'Enter the target as a percentage from 1 to 100')
    .default(80),
});
export type CoverageQuery = z.output<typeof coverageQuerySchema>;

/**
 * The roles that make up the workforce to train, counted from Beacon's own people when no headcount is
 * imported. Beacon's administrative roles (system administrator, auditor, training administrator,
 * partnership manager) are not counted unless a headcount is imported or someone in them completed training.
 */
export const WORKFORCE_ROLES: readonly Role[] = ['point_of_care', 'safeguarding_practitioner', 'designated_professional', 'unit_coordinator', 'social_worker'];

/** A role as a headcount file may name it: its code (point_of_care) or its label (Point of care clinician), any case. */
export function roleFromText(text: string): Role | null {
  const t = text.trim().toLowerCase();
  for (const r of ROLES) if (r === t || ROLE_LABELS[r].toLowerCase() === t) return r;
  return null;
}
