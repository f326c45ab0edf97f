import { describe, expect, it } from 'vitest';
import { MatchIndex } from './index';
import { parseScreeningRow, postcodeFromAddress, rowToIdentities, rowToQuery, splitFullName } from './screen';

const good = {
  id: 'r1',
  nhs_number: '943 476 5919',
  given_name: 'Elizabeth',
  family_name: 'Robinson',
  other_names: 'Lisa Okafor; Beth Smith-Jones',
  date_of_birth: '1990-03-04',
  postcode: 'so16 4xx',
  address: '1 High Street, Southampton',
  edd: '2027-01-10',
  sex: 'F',
  other_id: 'RHM1234567',
};

describe('screening rows', () => {
  it('accepts a good row and maps it to a query', () => {
    const r = parseScreeningRow(good, 1);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toEqual([]);
    const q = rowToQuery(r.row);
    expect(q.nhsNumber).toBe('9434765919');
    expect(q.givenNames).toEqual(['Elizabeth', 'Lisa', 'Beth']);
    expect(q.familyNames).toEqual(['Robinson', 'Okafor', 'Smith-Jones']);
    expect(q.dateOfBirth).toBe('1990-03-04');
    expect(q.postcodes).toEqual(['so16 4xx']);
    expect(q.edd).toBe('2027-01-10');
    expect(q.otherIds).toEqual(['RHM1234567']);
  });

  it('maps a register row to one identity per name, sharing the subject', () => {
    const r = parseScreeningRow(good, 1);
    if (!r.ok) throw new Error('expected ok');
    const ids = rowToIdentities(r.row);
    expect(ids.map((i) => i.id)).toEqual(['r1', 'r1#alias-1', 'r1#alias-2']);
    expect(new Set(ids.map((i) => i.subjectId))).toEqual(new Set(['r1']));
    expect(ids[1]?.givenNames).toEqual(['Lisa']);
    expect(ids[1]?.familyNames).toEqual(['Okafor']);
    expect(ids.every((i) => i.dateOfBirth === '1990-03-04' && i.nhsNumber === '9434765919')).toBe(true);
    // And the identities are searchable by alias.
    const idx = new MatchIndex();
    for (const i of ids) idx.add(i);
    expect(idx.search({ givenNames: ['Lisa'], familyNames: ['Okafor'], dateOfBirth: '1990-03-04' })[0]?.identityId).toBe('r1#alias-1');
  });

  it('names the field in each error', () => {
    const r = parseScreeningRow({ ...good, id: '', date_of_birth: '04/03/1990', edd: '2027-02-30', nhs_number: '12345', sex: 'X' }, 7);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byField = Object.fromEntries(r.errors.map((e) => [e.field, e.message]));
    expect(byField.id).toBe('id is required');
    expect(byField.date_of_birth).toBe('date_of_birth must be YYYY-MM-DD');
    expect(byField.edd).toBe('edd is not a real date');
    expect(byField.nhs_number).toBe('nhs_number must be 10 digits');
    expect(byField.sex).toMatch(/^sex must be/);
    expect(r.errors.every((e) => e.row === 7)).toBe(true);
  });

  it('warns, rather than rejects, on a wrong check digit or an unmatchable row', () => {
    const r = parseScreeningRow({ id: 'r2', nhs_number: '4934765919' }, 2);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings.map((w) => w.field)).toEqual(['nhs_number']);
    const empty = parseScreeningRow({ id: 'r3', postcode: 'SO16 4XX' }, 3);
    expect(empty.ok && empty.warnings.map((w) => w.field)).toEqual(['row']);
  });

  it('takes the postcode from the address when the column is empty', () => {
    expect(postcodeFromAddress('1 High Street, Southampton so16 4xx')).toBe('SO16 4XX');
    expect(postcodeFromAddress('no postcode here')).toBeUndefined();
    const r = parseScreeningRow({ id: 'r4', given_name: 'A', address: 'Flat 2, PO1 2AB' }, 4);
    if (!r.ok) throw new Error('expected ok');
    expect(rowToQuery(r.row).postcodes).toEqual(['PO1 2AB']);
  });

  it('splits full names', () => {
    expect(splitFullName('Jane Mary Smith')).toEqual({ given: ['Jane', 'Mary'], family: ['Smith'] });
    expect(splitFullName('Smith')).toEqual({ given: [], family: ['Smith'] });
    expect(splitFullName('  ')).toEqual({ given: [], family: [] });
  });
});
