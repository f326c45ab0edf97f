/**
 * Whether an error means the database is out of reach for the moment (restarting, failing over, the
 * network gone), rather than that a query was wrong: such a request is answered 503, try again shortly.
 * PostgreSQL classes 08 (connection exception) and 57P01–57P03 (shutdown, cannot connect now), socket
 * errors, and the driver's own words for a dead connection.
 */
export function isDatabaseUnavailable(err: { code?: string; message?: string; cause?: unknown }): boolean {
  // The driver's error is often wrapped (drizzle's "Failed query"): look at what caused it too.
  if (err.cause && typeof err.cause === 'object' && isDatabaseUnavailable(err.cause as { code?: string; message?: string })) return true;
  const code = String(err.code ?? '');
  return (
    /^08/.test(code) ||
    /^57P0[1-3]$/.test(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code) ||
    /Connection terminated|terminating connection|timeout exceeded when trying to connect|not queryable|the database system is (shutting down|starting up|in recovery mode)/i.test(
      err.message ?? '',
    )
  );
}
