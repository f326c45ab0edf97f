import { describe, expect, it } from 'vitest';
import type { FieldExplanation } from '../matching/model';
import { explainField } from '../matching/score';
import { compareForClinician, strengthWord } from './explain';
import { resultsTitle } from './routes';

describe('strengthWord', () => {
  it.each([
    [12.9, 'Agrees strongly'],
    [4, 'Agrees strongly'],
    [3.9, 'Agrees'],
    [0.5, 'Agrees'],
    [0.4, 'Makes little difference'],
    [0, 'Makes little difference'],
    [-0.4, 'Makes little difference'],
    [-0.5, 'Disagrees'],
    [-3.9, 'Disagrees'],
    [-4, 'Disagrees strongly'],
    [-20, 'Disagrees strongly'],
  ])('%d → %s', (w, word) => {
    expect(strengthWord(w)).toBe(word);
  });
});

describe('compareForClinician', () => {
  const f = (field: FieldExplanation['field'], level: number, weight: number, note = '') => explainField(field, level, weight, note);

  it('speaks the form’s words, in the form’s order, without the details she did not give', () => {
    const explanation = [
      f('nhsNumber', -1, 0),
      f('forename', 5, 5.2),
      f('surname', 2, 3.3),
      f('dateOfBirth', 1, 6.1),
      f('postcode', 0, 9.6, ' (with the same surname: could be a relative at the same address)'),
    ];
    const out = compareForClinician(explanation);
    expect(out.map((c) => c.label)).toEqual(['First name', 'Last name', 'Date of birth', 'Postcode']);
    expect(out[0]).toEqual({
      field: 'forename',
      label: 'First name',
      says: 'matches the recorded last name (first and last names swapped)',
      strength: 'Agrees strongly',
      weight: '+5.2',
    });
    expect(out[1]).toMatchObject({ label: 'Last name', says: 'sounds the same, spelt differently', strength: 'Agrees' });
    expect(out[2]).toMatchObject({ label: 'Date of birth', says: 'day and month swapped', strength: 'Agrees strongly' });
    expect(out[3]!.says).toBe('same (with the same last name: could be a relative at the same address)');
    for (const c of out) {
      expect(c.says).not.toMatch(/forename|surname|\+\d|\u2212\d/);
    }
  });

  it('keeps a disagreement visible and its number behind it', () => {
    const [c] = compareForClinician([f('dateOfBirth', 7, -9.4)]);
    expect(c).toMatchObject({ label: 'Date of birth', strength: 'Disagrees strongly', weight: '\u22129.4' });
  });
});

describe('the results heading', () => {
  it('a strong match is the loudest; possible matches ask to be checked; no match is plain', () => {
    expect(resultsTitle(1, 1)).toBe('Strong match — look at this alert now');
    expect(resultsTitle(3, 1)).toBe('Strong match — look at this alert now');
    expect(resultsTitle(3, 2)).toBe('2 strong matches — look at these alerts now');
    expect(resultsTitle(1, 0)).toBe('Possible match — check this alert');
    expect(resultsTitle(4, 0)).toBe('4 possible matches — check these alerts');
    expect(resultsTitle(0, 0)).toBe('No alert found');
  });
});
