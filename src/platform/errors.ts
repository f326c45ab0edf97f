import type { z } from 'zod';

/** Errors a service throws; the HTTP layer turns each into the right status and a clear message. */

export class ValidationError extends Error {
  /** field → message, in the order the fields appear on the form. */
  constructor(
    public readonly fieldErrors: Record<string, string>,
    message = 'There is a problem',
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends Error {
  constructor(what = 'Page') {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends Error {
  constructor(
    public readonly action: string,
    message = 'You do not have permission to do this in your current role.',
  ) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Turn a zod error into field → first message. */
export function zodFieldErrors(issues: readonly { path: readonly PropertyKey[]; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const key = i.path.map(String).join('.') || 'form';
    if (!(key in out)) out[key] = i.message;
  }
  return out;
}

/** Validate input at a service's edge: the parsed value, or a ValidationError naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ValidationError(zodFieldErrors(r.error.issues));
  return r.data;
}
