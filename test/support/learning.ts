import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Db } from '../../src/platform/db/engine';
import { systemContext } from '../../src/platform/context';
import { ValidationError } from '../../src/platform/errors';
import { organisations } from '../../src/directory/schema';
import { createUser } from '../../src/people/service';

/** The messages of the ValidationError a promise rejects with (fails if it resolves or throws anything else). */
export async function problem(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ValidationError);
  return Object.values((e as ValidationError).fieldErrors).join(' | ');
}

/** `count` synthetic point-of-care midwives of one organisation (by ODS code): `${prefix}${i}@learning.test`, named `${name} ${i}`. */
export async function learningPeople(db: Db, odsCode: string, count: number, prefix: string, name: string): Promise<string[]> {
  const [org] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, odsCode));
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const email = `${prefix}${i}@learning.test`;
    await createUser(db, systemContext('test'), {
      email,
      displayName: `${name} ${i}`,
      jobTitle: 'Midwife',
      organisationId: org!.id,
      role: 'point_of_care',
      unitId: '',
    });
    out.push(email);
  }
  return out;
}
