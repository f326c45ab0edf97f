/**
 * Text typed into case and escalation forms (or sent to the API): trimmed; a required one must not be
 * blank; an optional one left blank is null. Each message is written for the person at the form.
 */
import { z } from 'zod';

const tooLong = (max: number, label?: string) => `${label ? `${label} must` : 'Must'} be ${max} characters or fewer`;

export const requiredText = (max: number, missing: string, longMessage = tooLong(max)) =>
  z.string({ error: missing }).trim().min(1, missing).max(max, longMessage);

export const optionalText = (max: number, longMessage = tooLong(max), notText = 'Must be text') =>
  z
    .string({ error: notText })
    .trim()
    .max(max, longMessage)
    .nullish()
    .transform((v) => v || null);

/** As {@link requiredText}, the length message naming the field: "Agreed actions must be 4000 characters or fewer". */
export const requiredNamedText = (max: number, missing: string, label: string) => requiredText(max, missing, tooLong(max, label));

/** As {@link optionalText}, the messages naming the field: "The reason must be text". */
export const optionalNamedText = (max: number, label: string) => optionalText(max, tooLong(max, label), `${label} must be text`);
