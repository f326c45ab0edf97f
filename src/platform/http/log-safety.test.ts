import { describe, expect, it } from 'vitest';
import { loggableError, redactSqlValues } from './log-safety';

describe('what an error may put in the log', () => {
  it('drops the parameters of a failed query and the values PostgreSQL quotes', () => {
    const err = new Error('Failed query: insert into "case_facts" ("value") values ($1, $2)\nparams: {"given":"Marisol","family":"Quennell"},1998-07-14');
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "users_email_unique"'), {
      code: '23505',
      detail: 'Key (email)=(marisol@example.com) already exists.',
    });
    (err as Error & { cause?: unknown }).cause = cause;
    const logged = JSON.stringify(loggableError(err));
    expect(logged).not.toMatch(/Marisol|Quennell|1998-07-14|marisol@example/);
    expect(logged).toContain('case_facts');
    expect(logged).toContain('23505');
    expect(redactSqlValues('Key (email)=(a@b.example) already exists')).toBe('Key (email)=([redacted]) already exists');
  });
});
