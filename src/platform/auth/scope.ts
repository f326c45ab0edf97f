import { or, type SQL, sql } from 'drizzle-orm';
import type { Condition, Scope } from './policy';

/**
 * A list's scope as SQL on the capability's own table: `undefined` for every row, `false` for none, and
 * otherwise the OR of each condition's SQL. A condition the capability gives no SQL for is a programming
 * error (a new rule the list does not know): it throws rather than widen or narrow the list silently.
 */
export async function sqlScope(scope: Scope, conditions: Partial<Record<Condition, () => SQL | Promise<SQL>>>, what: string): Promise<SQL | undefined> {
  if (scope.kind === 'all') return undefined;
  if (scope.kind === 'none') return sql`false`;
  const parts = scope.conditions.map((c) => {
    const build = conditions[c];
    if (!build) throw new Error(`The list of ${what} has no SQL for the policy condition '${c}'`);
    return build();
  });
  const built = await Promise.all(parts);
  return built.length === 1 ? built[0] : or(...built);
}
