import { describe, expect, it } from 'vitest';
import { minimumOf, passesThinGate, wholeNameTokens } from './minimum-search';

describe('the minimum a search needs', () => {
  it('counts a name only as a whole name: an initial is not one', () => {
    expect(wholeNameTokens(['k', 'ng', 'smith'])).toEqual(['ng', 'smith']);
    expect(minimumOf({ givenNames: ['K'], dateOfBirth: '1998-07-14' })).toEqual({ ok: false, problem: 'not_enough' });
    expect(minimumOf({ givenNames: ['K.'], dateOfBirth: '1998-07-14' })).toEqual({ ok: false, problem: 'not_enough' });
    expect(minimumOf({ familyNames: ['Q'], postcodes: ['SO16 4XX'] })).toEqual({ ok: false, problem: 'not_enough' });
    // Two-letter surnames are real names (Ng, Li, Wu).
    expect(minimumOf({ familyNames: ['Ng'], dateOfBirth: '1998-07-14' })).toEqual({ ok: true, thin: true });
  });

  it('is thin when it rests on one name and one of date of birth or full postcode', () => {
    expect(minimumOf({ givenNames: ['Marisol'], dateOfBirth: '1998-07-14' })).toEqual({ ok: true, thin: true });
    expect(minimumOf({ familyNames: ['Quennell'], postcodes: ['SO16 4XX'] })).toEqual({ ok: true, thin: true });
    expect(minimumOf({ givenNames: ['Marisol'], familyNames: ['Quennell'], dateOfBirth: '1998-07-14' })).toEqual({ ok: true, thin: false });
    expect(minimumOf({ familyNames: ['Quennell'], dateOfBirth: '1998-07-14', postcodes: ['SO16 4XX'] })).toEqual({ ok: true, thin: false });
    expect(minimumOf({ nhsNumber: '9434765919' })).toEqual({ ok: true, thin: false });
    expect(minimumOf({ otherIds: ['RHM1234567'] })).toEqual({ ok: true, thin: false });
  });

  it('refuses a last name with only part of a postcode, saying so', () => {
    expect(minimumOf({ familyNames: ['Quennell'], postcodes: ['SO16'] })).toEqual({ ok: false, problem: 'partial_postcode_only' });
  });

  it('lets a thin search return only alerts whose name agrees as a whole name', () => {
    const e = (forename: string, surname = 'missing') => [
      { field: 'forename' as const, level: forename as never },
      { field: 'surname' as const, level: surname as never },
      { field: 'dateOfBirth' as const, level: 'exact' as never },
    ];
    for (const level of ['exact', 'nickname', 'jw94', 'phonetic', 'swapped']) expect(passesThinGate(true, e(level))).toBe(true);
    for (const level of ['jw88', 'initial', 'different', 'missing']) expect(passesThinGate(true, e(level))).toBe(false);
    expect(passesThinGate(true, e('missing', 'phonetic'))).toBe(true);
    expect(passesThinGate(false, e('initial'))).toBe(true);
  });
});
