import { z } from 'zod';
import { ROLES } from '../platform/context';

const trimmed = z.string().transform((s) => s.trim());

export const membershipInput = z.object({
  organisationId: z.uuid({ message: 'Select an organisation' }),
  role: z.enum(ROLES, { message: 'Select a role' }),
  unitId: z
    .union([z.uuid({ message: 'Select a unit from the list' }), z.literal('')])
    .optional()
    .transform((v) => (v ? v : null)),
});
export type MembershipInput = z.infer<typeof membershipInput>;

export const newUserInput = z
  .object({
    // In the order the form asks, so the error summary lists problems in that order.
    displayName: trimmed.pipe(z.string().min(1, 'Enter their full name').max(120, 'Full name must be 120 characters or fewer')),
    email: trimmed
      .pipe(
        z
          .string()
          .min(1, 'Enter an email address')
          .max(200)
          .pipe(z.email({ message: 'Enter an email address in the correct format, like name@nhs.net' })),
      )
      .transform((s) => s.toLowerCase()),
    jobTitle: trimmed.pipe(z.string().max(120, 'Job title must be 120 characters or fewer')).transform((s) => s || null),
  })
  .and(membershipInput);
export type NewUserInput = z.infer<typeof newUserInput>;

/** Roles that only make sense tied to one unit. */
export const UNIT_ROLES = new Set(['unit_coordinator']);
