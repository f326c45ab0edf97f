/**
 * How a candidate's details compare, in the words of the check form, for the clinician at the point of
 * care: "Last name: sounds the same, spelt differently — agrees". The matcher's own explanation
 * (../matching) speaks of forenames, surnames and log2 weights, which is right for those who review
 * matching and wrong for a nurse at 3 a.m.; the numbers stay available behind a details element.
 */
import type { FieldExplanation, FieldName } from '../matching/model';
import { formatWeight } from '../matching/score';

/** The check form's names for each detail. */
export const FIELD_WORDS: Readonly<Record<FieldName, string>> = {
  forename: 'First name',
  surname: 'Last name',
  dateOfBirth: 'Date of birth',
  nhsNumber: 'NHS number',
  postcode: 'Postcode',
  edd: 'Due date',
  otherId: 'Other identifier',
  sex: 'Sex',
};

/** The order of the check form, so the comparison reads in the order she was asked. */
const FORM_ORDER: readonly FieldName[] = ['forename', 'surname', 'dateOfBirth', 'nhsNumber', 'postcode', 'edd', 'otherId', 'sex'];

export type StrengthWord = 'Agrees strongly' | 'Agrees' | 'Makes little difference' | 'Disagrees' | 'Disagrees strongly';

/**
 * A detail's weight (log2 of how much likelier this agreement is for the same woman than for another)
 * as a plain word: 4 or more (16 times likelier) is strong; under half (less than 1.4 times) is little.
 */
export function strengthWord(weight: number): StrengthWord {
  if (weight >= 4) return 'Agrees strongly';
  if (weight >= 0.5) return 'Agrees';
  if (weight > -0.5) return 'Makes little difference';
  if (weight > -4) return 'Disagrees';
  return 'Disagrees strongly';
}

export interface ClinicianComparison {
  field: FieldName;
  /** "Last name" */
  label: string;
  /** "sounds the same, spelt differently" */
  says: string;
  strength: StrengthWord;
  /** "+6.7", for those who open the numbers. */
  weight: string;
}

/** The matcher's words for first and last names, in the form's words. */
function formWords(phrase: string): string {
  return phrase
    .replace(/forename and surname swapped/g, 'first and last names swapped')
    .replace(/\bforenames\b/g, 'first names')
    .replace(/\bforename\b/g, 'first name')
    .replace(/\bsurnames\b/g, 'last names')
    .replace(/\bsurname\b/g, 'last name');
}

/**
 * The details she gave, compared, in the form's order; details not given are left out. The phrase is
 * the matcher's (its text is "label: phrase, weight"), with the form's words for names.
 */
export function compareForClinician(explanation: readonly FieldExplanation[]): ClinicianComparison[] {
  return explanation
    .filter((e) => e.level !== 'missing')
    .sort((a, b) => FORM_ORDER.indexOf(a.field) - FORM_ORDER.indexOf(b.field))
    .map((e) => {
      const start = e.text.indexOf(': ');
      const end = e.text.lastIndexOf(', ');
      const phrase = start >= 0 && end > start ? e.text.slice(start + 2, end) : e.level;
      return { field: e.field, label: FIELD_WORDS[e.field], says: formWords(phrase), strength: strengthWord(e.weight), weight: formatWeight(e.weight) };
    });
}
