/** The case-file audit's input shapes, with messages an auditor understands. */
import { z } from 'zod';
import { isoDateProblem } from '../../platform/dates';
import { optionalText, requiredText } from '../../cases/text-fields';
import { CASE_CLASSIFICATIONS } from '../../cases/protocol';
import { QUESTION_TYPES } from './rules';

export const MAX_QUESTIONS = 15;

const optionalDate = (what: string) =>
  z
    .string()
    .trim()
    .nullish()
    .transform((v) => v || null)
    .refine((v) => v === null || !isoDateProblem(v), `The ${what} must be a real date, like 2026-03-31`);

export const questionInput = z.object({
  text: requiredText(500, 'Enter the question', 'A question must be 500 characters or fewer'),
  type: z.enum(QUESTION_TYPES, { error: 'Choose how the question is answered' }),
});

export const templateSchema = z.object({
  title: requiredText(200, 'Enter the template’s title, like "Concealed pregnancy case-file audit"', 'The title must be 200 characters or fewer'),
  questions: z.array(questionInput).min(1, 'Add at least one question').max(MAX_QUESTIONS, `A template has at most ${MAX_QUESTIONS} questions`),
});

export const newTemplateSchema = templateSchema.extend({ partnershipId: z.uuid({ error: 'Choose the partnership' }) });

const list = (v: unknown) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : String(v).split(','));

export const roundSchema = z.object({
  partnershipId: z.uuid({ error: 'Choose the partnership' }),
  title: requiredText(200, 'Enter the round’s title, like "Concealed pregnancy, spring 2027"', 'The title must be 200 characters or fewer'),
  theme: requiredText(200, 'Enter the theme, like "Concealed pregnancy"', 'The theme must be 200 characters or fewer'),
  templateId: z.uuid({ error: 'Choose a published template' }),
  classifications: z.preprocess(list, z.array(z.enum(CASE_CLASSIFICATIONS, { error: 'Choose kinds of case from the list' }))),
  openedFrom: optionalDate('first day cases were opened'),
  openedTo: optionalDate('last day cases were opened'),
  status: z.enum(['open', 'closed', 'all'], { error: 'Choose open cases, closed cases or both' }).default('all'),
  sampleSize: z.coerce
    .number({ error: 'Enter how many cases to sample, from 1 to 50' })
    .int('Enter a whole number of cases, from 1 to 50')
    .min(1, 'Sample from 1 to 50 cases')
    .max(50, 'Sample from 1 to 50 cases'),
  seed: z.preprocess(
    (v) => (v === '' || v === null || v === undefined ? undefined : v),
    z.coerce
      .number({ error: 'The seed must be a whole number' })
      .int('The seed must be a whole number')
      .min(0, 'The seed must be from 0 to 2147483647')
      .max(2_147_483_647, 'The seed must be from 0 to 2147483647')
      .optional(),
  ),
});

export const discussionSchema = z.object({
  discussion: requiredText(20_000, 'Enter what the joint discussion concluded', 'The record must be 20,000 characters or fewer'),
  discussionOn: z
    .string({ error: 'Enter the date of the discussion' })
    .trim()
    .min(1, 'Enter the date of the discussion')
    .refine((v) => !isoDateProblem(v), 'The date of the discussion must be a real date, like 2026-03-31'),
});

export const findingSchema = z.object({
  theme: requiredText(200, 'Enter the theme, like "Information sharing at discharge"', 'The theme must be 200 characters or fewer'),
  learning: requiredText(4000, 'Enter the learning', 'The learning must be 4000 characters or fewer'),
});

export const noteSchema = z.object({ note: optionalText(2000, 'The note must be 2000 characters or fewer') });
