import type { z } from 'zod';

/**
 * Errors a service throws. Each carries its HTTP status, the stable code an API client reads, and the
 * heading a person sees; its message is written for a clinician. The HTTP layer (app.ts) answers any
 * BeaconError with these and never a 500. A new kind of refusal is a new subclass here, not a check in a route.
 */
export abstract class BeaconError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  abstract readonly title: string;
}

export class ValidationError extends BeaconError {
  readonly status = 400;
  readonly code = 'invalid';
  readonly title = 'There is a problem';
  /** field → message, in the order the fields appear on the form. */
  constructor(
    public readonly fieldErrors: Record<string, string>,
    message = 'There is a problem',
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends BeaconError {
  readonly status = 404;
  readonly code = 'not_found';
  readonly title = 'Page not found';
  constructor(what = 'Page') {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends BeaconError {
  readonly status = 403;
  readonly code = 'forbidden';
  readonly title = 'You do not have permission to see this page';
  constructor(
    public readonly action: string,
    message = 'You do not have permission to do this in your current role.',
  ) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** What was sent clashes with what is already recorded (a duplicate code, a stale version). */
export class ConflictError extends BeaconError {
  readonly status = 409;
  readonly code = 'conflict';
  readonly title = 'This clashes with what is already recorded';
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** A change was made against a version that is no longer current (an HTTP If-Match that does not match). */
export class PreconditionFailedError extends BeaconError {
  readonly status = 412;
  readonly code = 'precondition_failed';
  readonly title = 'This has changed since you read it';
  constructor(message = 'This record has changed since you read it. Read it again, then make your change.') {
    super(message);
    this.name = 'PreconditionFailedError';
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
