import { z } from 'zod';
import { EVENT_NAMES } from './rules';

const trimmed = z.string().transform((s) => s.trim());
const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((s) => s.trim()).filter(Boolean));

export const subscriptionInput = z.object({
  organisationId: z.uuid({ message: 'Select the organisation whose events it hears of' }),
  url: trimmed.pipe(z.string().min(1, 'Enter the address of the endpoint').max(500, 'The address must be 500 characters or fewer')),
  events: list.pipe(
    z
      .array(z.enum(EVENT_NAMES, { message: 'Select events from the list' }))
      .min(1, 'Select at least one event')
      .transform((xs) => [...new Set(xs)]),
  ),
  contactEmail: trimmed.pipe(
    z
      .string()
      .min(1, 'Enter the email address to tell if deliveries keep failing')
      .max(200)
      .pipe(z.email({ message: 'Enter the contact email address in the correct format, like team@nhs.net' })),
  ),
  description: z
    .union([trimmed.pipe(z.string().max(200, 'The description must be 200 characters or fewer')), z.null()])
    .optional()
    .transform((s) => s || null),
});

export const statusChange = z.object({
  reason: trimmed.pipe(z.string().min(1, 'Enter the reason').max(500, 'The reason must be 500 characters or fewer')),
});
