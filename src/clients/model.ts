import { z } from 'zod';

const trimmed = z.string().transform((s) => s.trim());
/** A form sends one ticked box as a string and several as an array; the API sends an array. */
const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((s) => s.trim()).filter(Boolean));
const optionalText = (max: number, message: string) =>
  z
    .union([trimmed.pipe(z.string().max(max, message)), z.null()])
    .optional()
    .transform((s) => s || null);

/** The keys: a JSON Web Key Set, pasted or sent as JSON, or the HTTPS address it is published at. */
const keysInput = {
  jwks: z
    .union([z.string(), z.record(z.string(), z.unknown()), z.null()])
    .optional()
    .transform((v) => (typeof v === 'string' ? v.trim() || null : (v ?? null))),
  jwksUrl: optionalText(500, 'The key set address must be 500 characters or fewer'),
};

export const clientInput = z.object({
  name: trimmed.pipe(z.string().min(1, 'Enter the name of the system').max(120, 'The name must be 120 characters or fewer')),
  organisationId: z.uuid({ message: 'Select the organisation the system belongs to' }),
  unitId: z
    .union([z.uuid({ message: 'Select a unit from the list' }), z.literal(''), z.null()])
    .optional()
    .transform((v) => v || null),
  roles: list,
  scopes: list,
  contactEmail: z
    .union([trimmed.pipe(z.literal('').or(z.email({ message: 'Enter the contact email address in the correct format, like team@nhs.net' }))), z.null()])
    .optional()
    .transform((s) => s || null),
  ...keysInput,
});
export type ClientInput = z.infer<typeof clientInput>;

export const keysChange = z.object(keysInput);

export const statusChange = z.object({
  reason: trimmed.pipe(z.string().min(1, 'Enter the reason').max(500, 'The reason must be 500 characters or fewer')),
});

export const CLIENT_STATUS_LABELS = { active: 'Active', suspended: 'Suspended' } as const;
