import { describe, expect, it } from 'vitest';
import { ValidationError, parseInput } from '../../platform/errors';
import {
  CHECKLIST_ITEMS,
  CHECKLIST_ITEM_KEYS,
  type ChecklistEntry,
  checklistEntrySchema,
  checklistItem,
  checklistState,
  describeEntry,
  itemsNeedingNotes,
} from './checklist';

const NOW = new Date('2026-03-10T03:40:00Z');
const OPENED = new Date('2026-03-10T02:00:00Z');
const parse = (raw: Record<string, unknown>) => parseInput(checklistEntrySchema(NOW, OPENED), raw);
const problems = (raw: Record<string, unknown>): Record<string, string> => {
  try {
    parse(raw);
  } catch (err) {
    if (err instanceof ValidationError) return err.fieldErrors;
    throw err;
  }
  throw new Error('expected a ValidationError');
};

let seq = 0;
const entry = (item: string, answer: string, recordedAt: string, extra: Partial<ChecklistEntry> = {}): ChecklistEntry => ({
  id: `e${++seq}`,
  item,
  answer,
  note: null,
  doneAt: new Date(recordedAt),
  recordedByName: 'Ana Midwife',
  recordedAt: new Date(recordedAt),
  ...extra,
});

describe('the checklist items', () => {
  it('covers every step for an unbooked woman in labour, each with its own answers', () => {
    expect(CHECKLIST_ITEM_KEYS).toEqual([
      'alert_register_checked',
      'cpis_checked',
      'csc_referral',
      'safeguarding_midwife_informed',
      'gp_informed',
      'health_visitor_informed',
      'toxicology_offered',
    ]);
    expect(checklistItem('alert_register_checked')!.answers.map((a) => a.value)).toEqual(['no_match', 'possible_match', 'match_found']);
    expect(checklistItem('alert_register_checked')!.link?.href).toBe('/check');
    expect(checklistItem('cpis_checked')!.answers.map((a) => a.value)).toEqual(['no_plan', 'plan_found', 'not_available']);
    expect(checklistItem('csc_referral')!.answers.map((a) => a.value)).toEqual(['referred', 'already_open', 'not_needed']);
    for (const k of ['safeguarding_midwife_informed', 'gp_informed', 'health_visitor_informed'])
      expect(checklistItem(k)!.answers.map((a) => a.value)).toEqual(['done', 'not_known']);
    expect(checklistItem('toxicology_offered')!.answers.map((a) => a.value)).toEqual(['consent_given', 'declined', 'not_offered']);
    expect(checklistItem('nonsense')).toBeUndefined();
  });

  it('has unique keys and unique answers per item, every one labelled', () => {
    expect(new Set(CHECKLIST_ITEM_KEYS).size).toBe(CHECKLIST_ITEMS.length);
    for (const i of CHECKLIST_ITEMS) {
      expect(i.label.length).toBeGreaterThan(0);
      expect(i.hint.length).toBeGreaterThan(0);
      expect(new Set(i.answers.map((a) => a.value)).size).toBe(i.answers.length);
      for (const a of i.answers) expect(a.label.length).toBeGreaterThan(0);
    }
  });

  it('says which answers need a note', () => {
    expect(itemsNeedingNotes()).toEqual([
      { item: 'csc_referral', answers: ['not_needed'] },
      { item: 'safeguarding_midwife_informed', answers: ['not_known'] },
      { item: 'toxicology_offered', answers: ['not_offered'] },
    ]);
  });
});

describe('checklistEntrySchema', () => {
  it('accepts an answer of the item, and takes now when no time is given', () => {
    expect(parse({ item: 'cpis_checked', answer: 'no_plan' })).toEqual({ item: 'cpis_checked', answer: 'no_plan', note: null, doneAt: NOW });
    expect(parse({ item: 'cpis_checked', answer: 'no_plan', doneAt: '', note: '  ' }).doneAt).toEqual(NOW);
    expect(parse({ item: 'gp_informed', answer: 'done', doneAt: '2026-03-10T03:00:00Z', note: ' Surgery told ' })).toEqual({
      item: 'gp_informed',
      answer: 'done',
      note: 'Surgery told',
      doneAt: new Date('2026-03-10T03:00:00Z'),
    });
  });

  it('refuses an unknown item, and an answer that belongs to another item', () => {
    expect(problems({ item: 'fed_the_cat', answer: 'done' })).toEqual({ item: 'Choose a checklist item' });
    expect(problems({ item: 'cpis_checked', answer: 'done' })).toEqual({ answer: 'Choose an answer for “CP-IS checked”' });
    expect(problems({ item: 'cpis_checked' })).toEqual({ answer: 'Choose an answer' });
  });

  it('needs a note for "not needed", "message left" and "not offered"', () => {
    expect(problems({ item: 'csc_referral', answer: 'not_needed' })).toEqual({ note: 'Enter a note: “Not needed” needs a reason' });
    expect(problems({ item: 'toxicology_offered', answer: 'not_offered', note: ' ' })).toEqual({ note: 'Enter a note: “Not offered” needs a reason' });
    expect(problems({ item: 'safeguarding_midwife_informed', answer: 'not_known' }).note).toMatch(/needs a reason/);
    expect(parse({ item: 'csc_referral', answer: 'not_needed', note: 'Already open to Portsmouth CSC, agreed with duty SW' }).note).toMatch(/Portsmouth/);
    expect(parse({ item: 'gp_informed', answer: 'not_known' }).note).toBeNull();
  });

  it('refuses a time in the future, more than a day before the case was opened, or not a time', () => {
    expect(problems({ item: 'gp_informed', answer: 'done', doneAt: '2026-03-10T04:00:00Z' })).toEqual({
      doneAt: 'The time it was done cannot be in the future',
    });
    expect(problems({ item: 'gp_informed', answer: 'done', doneAt: '2026-03-09T01:59:00Z' })).toEqual({
      doneAt: 'The time it was done must be no more than a day before the case was opened',
    });
    expect(parse({ item: 'gp_informed', answer: 'done', doneAt: '2026-03-09T02:00:00Z' }).doneAt).toEqual(new Date('2026-03-09T02:00:00Z'));
    expect(parse({ item: 'gp_informed', answer: 'done', doneAt: '2026-03-10T03:44:00Z' }).doneAt).toEqual(new Date('2026-03-10T03:44:00Z'));
    expect(problems({ item: 'gp_informed', answer: 'done', doneAt: 'invalid' })).toEqual({ doneAt: 'Enter a real date and time, like 27 11 2026 and 14:30' });
  });

  it('refuses a note that is too long', () => {
    expect(problems({ item: 'gp_informed', answer: 'done', note: 'x'.repeat(1001) })).toEqual({ note: 'The note must be 1000 characters or fewer' });
  });
});

describe('checklistState', () => {
  it('with nothing recorded, every item is outstanding', () => {
    const s = checklistState([]);
    expect(s.complete).toBe(false);
    expect(s.outstanding).toEqual(CHECKLIST_ITEM_KEYS);
    expect(s.items.every((i) => i.current === null && i.earlier.length === 0)).toBe(true);
  });

  it('takes the newest answer per item as current and keeps the earlier ones, newest first', () => {
    const first = entry('cpis_checked', 'not_available', '2026-03-10T02:10:00Z', { note: 'Spine down' });
    const second = entry('cpis_checked', 'no_plan', '2026-03-10T02:50:00Z');
    const third = entry('cpis_checked', 'plan_found', '2026-03-10T03:20:00Z');
    const s = checklistState([second, third, first]);
    const cpis = s.items.find((i) => i.item.key === 'cpis_checked')!;
    expect(cpis.current).toMatchObject({
      id: third.id,
      answer: 'plan_found',
      answerLabel: checklistItem('cpis_checked')!.answers[1]!.label,
      provisional: false,
    });
    expect(cpis.earlier.map((e) => e.id)).toEqual([second.id, first.id]);
    expect(cpis.earlier[1]!.answerLabel).toBe('Could not check');
    expect(cpis.outstanding).toBe(false);
  });

  it('goes by when an answer was recorded, not when the step was done', () => {
    const correction = entry('gp_informed', 'not_known', '2026-03-10T03:30:00Z', { doneAt: new Date('2026-03-10T02:05:00Z') });
    const original = entry('gp_informed', 'done', '2026-03-10T02:30:00Z');
    expect(checklistState([correction, original]).items.find((i) => i.item.key === 'gp_informed')!.current!.id).toBe(correction.id);
  });

  it('keeps the given order for answers recorded at the same instant: the later one wins', () => {
    const a = entry('gp_informed', 'done', '2026-03-10T03:00:00Z');
    const b = entry('gp_informed', 'not_known', '2026-03-10T03:00:00Z');
    expect(checklistState([a, b]).items.find((i) => i.item.key === 'gp_informed')!.current!.id).toBe(b.id);
    expect(checklistState([b, a]).items.find((i) => i.item.key === 'gp_informed')!.current!.id).toBe(a.id);
  });

  it('keeps provisional answers outstanding until a final answer replaces them', () => {
    const s1 = checklistState([entry('alert_register_checked', 'possible_match', '2026-03-10T02:10:00Z')]);
    const item1 = s1.items.find((i) => i.item.key === 'alert_register_checked')!;
    expect(item1.current!.provisional).toBe(true);
    expect(item1.outstanding).toBe(true);
    expect(s1.outstanding).toContain('alert_register_checked');
    const s2 = checklistState([
      entry('alert_register_checked', 'possible_match', '2026-03-10T02:10:00Z'),
      entry('alert_register_checked', 'no_match', '2026-03-10T02:40:00Z'),
    ]);
    expect(s2.outstanding).not.toContain('alert_register_checked');
  });

  it('is complete when every item has a final answer', () => {
    const answers: [string, string][] = [
      ['alert_register_checked', 'no_match'],
      ['cpis_checked', 'no_plan'],
      ['csc_referral', 'referred'],
      ['safeguarding_midwife_informed', 'done'],
      ['gp_informed', 'not_known'],
      ['health_visitor_informed', 'done'],
      ['toxicology_offered', 'declined'],
    ];
    const s = checklistState(answers.map(([i, a]) => entry(i, a, '2026-03-10T03:00:00Z')));
    expect(s.outstanding).toEqual([]);
    expect(s.complete).toBe(true);
    const missingOne = checklistState(answers.slice(1).map(([i, a]) => entry(i, a, '2026-03-10T03:00:00Z')));
    expect(missingOne.outstanding).toEqual(['alert_register_checked']);
    expect(missingOne.complete).toBe(false);
  });

  it('ignores entries for items that no longer exist', () => {
    const s = checklistState([entry('retired_item', 'done', '2026-03-10T03:00:00Z')]);
    expect(s.items.every((i) => i.current === null)).toBe(true);
  });
});

describe('describeEntry', () => {
  it('says what was answered, and when it replaces an earlier answer', () => {
    const item = checklistItem('cpis_checked')!;
    expect(describeEntry(item, 'no_plan', false)).toBe('Unbooked in labour checklist – CP-IS checked: No plan found');
    expect(describeEntry(item, 'no_plan', true)).toBe('Unbooked in labour checklist – CP-IS checked: No plan found (replaces an earlier answer)');
  });
});
