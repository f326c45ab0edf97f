/**
 * The PostgreSQL trigram baseline (issue 4): pg_trgm similarity on the full name, with a date-of-birth
 * filter, and a variant that also accepts an exact identifier. Run on PGlite (the same pg_trgm as
 * PostgreSQL) in this process, so the comparison with the matcher is on the same machine and register.
 */
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { FebrlRecord } from './febrl';

export interface TrigramResult {
  name: string;
  queries: number;
  recall1: number;
  recall5: number;
  /** Per-query latencies in ms, sorted. */
  latencies: Float64Array;
}

const fullName = (r: FebrlRecord) => `${r.givenName} ${r.surname}`.trim().toLowerCase();

export async function trigramFebrl(register: FebrlRecord[], queries: FebrlRecord[]): Promise<TrigramResult[]> {
  const db = await PGlite.create({ extensions: { pg_trgm } });
  try {
    await db.exec(`CREATE EXTENSION pg_trgm;
      CREATE TABLE reg (person text NOT NULL, full_name text NOT NULL, dob text, ssn text);`);
    for (let i = 0; i < register.length; i += 500) {
      const chunk = register.slice(i, i + 500);
      const params: string[] = [];
      const values = chunk.map((r, j) => {
        params.push(r.person, fullName(r), r.dateOfBirth || '', r.socSecId || '');
        return `($${j * 4 + 1}, $${j * 4 + 2}, nullif($${j * 4 + 3}, ''), nullif($${j * 4 + 4}, ''))`;
      });
      await db.query(`INSERT INTO reg VALUES ${values.join(',')}`, params);
    }
    await db.exec(`CREATE INDEX reg_name_trgm ON reg USING gin (full_name gin_trgm_ops);
      CREATE INDEX reg_dob ON reg (dob); CREATE INDEX reg_ssn ON reg (ssn); ANALYZE reg;`);

    const variants: { name: string; sql: string; params: number }[] = [
      {
        name: 'Baseline: PostgreSQL trigram on name, DOB filter',
        sql: `SELECT person FROM reg WHERE dob = $2 AND full_name % $1 ORDER BY similarity(full_name, $1) DESC LIMIT 5`,
        params: 2,
      },
      {
        name: 'Baseline: PostgreSQL trigram on name with DOB, or identifier',
        sql: `SELECT person FROM reg WHERE (dob = $2 AND full_name % $1) OR ssn = $3
              ORDER BY (ssn IS NOT DISTINCT FROM $3) DESC, similarity(full_name, $1) DESC LIMIT 5`,
        params: 3,
      },
    ];
    const results: TrigramResult[] = [];
    for (const v of variants) {
      let r1 = 0;
      let r5 = 0;
      const lat = new Float64Array(queries.length);
      for (let i = 0; i < queries.length; i++) {
        const q = queries[i]!;
        const t = performance.now();
        const params = [fullName(q), q.dateOfBirth || null, q.socSecId || null].slice(0, v.params);
        const rows = (await db.query<{ person: string }>(v.sql, params)).rows;
        lat[i] = performance.now() - t;
        if (rows[0]?.person === q.person) r1++;
        if (rows.some((r) => r.person === q.person)) r5++;
      }
      lat.sort();
      results.push({ name: v.name, queries: queries.length, recall1: r1 / queries.length, recall5: r5 / queries.length, latencies: lat });
    }
    return results;
  } finally {
    await db.close();
  }
}
