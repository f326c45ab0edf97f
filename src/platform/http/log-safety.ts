/**
 * What of an unexpected error may go to the log. A database error carries the SQL and its parameters
 * (a woman's name, a date of birth) and PostgreSQL's `detail` may quote a value ("Key (email)=(…)"):
 * none of that is logged. The query text stays (it names tables, not people); values never do.
 */
const PARAMS = /(\bparams:)[\s\S]*?(?=\n\s*at |$)/g;
const DETAIL_VALUES = /\(([^)]*)\)=\([^)]*\)/g;

export function redactSqlValues(text: string): string {
  return text.replace(PARAMS, '$1 [redacted]').replace(DETAIL_VALUES, '($1)=([redacted])');
}

export interface LoggableError {
  type: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: LoggableError;
}

export function loggableError(err: unknown, depth = 0): LoggableError {
  if (!(err instanceof Error)) return { type: typeof err, message: '[not an Error]' };
  const e = err as Error & { code?: unknown; cause?: unknown };
  const out: LoggableError = { type: e.name, message: redactSqlValues(e.message) };
  if (typeof e.code === 'string') out.code = e.code;
  if (e.stack) out.stack = redactSqlValues(e.stack);
  if (e.cause && depth < 3) out.cause = loggableError(e.cause, depth + 1);
  return out;
}
