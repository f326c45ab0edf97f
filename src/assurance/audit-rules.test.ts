import { describe, expect, it } from 'vitest';
import { addMonths, auditPeriod, type AuditItem, figures, formatMinutes, median, monthsOf, periodEnded, ragOf, tally } from './audit-rules';
import { criteriaChangeSchema, defaultSettings, formatThreshold, settingsFrom, standardText } from './criteria';

const item = (at: string, met: boolean, extra: Partial<AuditItem> = {}): AuditItem => ({
  id: at,
  ref: `R-${at}`,
  href: null,
  at: new Date(at),
  organisationId: 'o1',
  unitId: null,
  met,
  note: met ? null : 'No',
  ...extra,
});

describe('audit periods', () => {
  it('adds months, keeping to the end of a shorter month', () => {
    expect(addMonths('2025-08-31', 6)).toBe('2026-02-28');
    expect(addMonths('2024-08-31', 6)).toBe('2025-02-28');
    expect(addMonths('2023-08-31', 6)).toBe('2024-02-29');
    expect(addMonths('2025-03-15', -6)).toBe('2024-09-15');
    expect(addMonths('2025-01-01', 12)).toBe('2026-01-01');
  });
  it('makes six months from implementation with the six before as baseline', () => {
    expect(auditPeriod('2025-03-15', 6, true)).toEqual({ from: '2025-03-15', to: '2025-09-14', baselineFrom: '2024-09-15', baselineTo: '2025-03-14' });
    expect(auditPeriod('2025-01-01', 3, false)).toEqual({ from: '2025-01-01', to: '2025-03-31', baselineFrom: null, baselineTo: null });
    expect(monthsOf('2024-11-20', '2025-02-01')).toEqual(['2024-11', '2024-12', '2025-01', '2025-02']);
  });
});

describe('figures', () => {
  it('RAG: green at or above the standard, amber within 10 points, red below, none with nothing to count', () => {
    expect(ragOf(tally(95, 100), 95)).toBe('green');
    expect(ragOf(tally(85, 100), 95)).toBe('amber');
    expect(ragOf(tally(849, 1000), 95)).toBe('red');
    expect(ragOf(tally(0, 0), 95)).toBe('none');
    expect(tally(2, 3).pct).toBe(66.7);
  });
  it('places items by their London date: the last evening of June in BST is still June', () => {
    const p = auditPeriod('2025-01-01', 6, true);
    const f = figures(
      [
        item('2025-06-30T22:30:00Z', false), // 23:30 in London, 30 June: in the period
        item('2025-06-30T23:30:00Z', false), // 00:30 on 1 July: outside
        item('2024-12-31T23:59:00Z', true), // baseline (GMT)
        item('2025-01-01T00:00:00Z', true),
      ],
      p,
      90,
    );
    expect([f.period.met, f.period.total]).toEqual([1, 2]);
    expect([f.baseline!.met, f.baseline!.total]).toEqual([1, 1]);
    expect(f.failing.map((x) => x.ref)).toEqual(['R-2025-06-30T22:30:00Z']);
    expect(f.change).toBe(-50);
    expect(f.rag).toBe('red');
  });
  it('has no figure and no RAG when there is nothing to count, and medians only of what was timed', () => {
    const f = figures([], auditPeriod('2025-01-01', 6, false), 90);
    expect(f).toMatchObject({ period: { met: 0, total: 0, pct: null }, baseline: null, rag: 'none', change: null, medianMinutes: null });
    expect(f.byMonth).toHaveLength(6);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([1, 2])).toBe(1.5);
  });
});

describe('criteria settings', () => {
  it('reads standards in words', () => {
    const s = defaultSettings();
    expect(standardText(s.find((x) => x.key === 'approval_time')!)).toBe('90% within 24 hours of submission');
    expect(standardText(s.find((x) => x.key === 'delivery_time')!)).toBe('99% within 15 minutes of approval');
    expect(standardText(s.find((x) => x.key === 'nhs_number')!)).toBe('95%');
    expect(formatThreshold(240)).toBe('4 hours');
    expect(formatThreshold(7 * 24 * 60)).toBe('7 days');
    expect(formatMinutes(125)).toBe('2 h 5 min');
    expect(formatMinutes(3000)).toBe('2 days 2 h');
  });
  it('refuses a version without every criterion, a time standard where none applies, or nothing switched on', () => {
    const all = defaultSettings();
    expect(criteriaChangeSchema('sop').safeParse({ changeReason: 'x', criteria: all }).success).toBe(true);
    expect(criteriaChangeSchema('sop').safeParse({ changeReason: 'x', criteria: all.slice(1) }).success).toBe(false);
    expect(criteriaChangeSchema('sop').safeParse({ changeReason: 'x', criteria: all.map((c) => ({ ...c, thresholdMinutes: 5 })) }).success).toBe(false);
    expect(criteriaChangeSchema('sop').safeParse({ changeReason: 'x', criteria: all.map((c) => ({ ...c, enabled: false })) }).success).toBe(false);
    expect(criteriaChangeSchema('sop').safeParse({ changeReason: 'x', criteria: all.map((c) => ({ ...c, target: 101 })) }).success).toBe(false);
  });
  it('reads a stored version back, switching off a criterion it does not know', () => {
    const stored = defaultSettings().filter((s) => s.key !== 'sop_readership');
    const read = settingsFrom('sop', stored);
    expect(read.find((s) => s.key === 'sop_readership')!.enabled).toBe(false);
    expect(read.filter((s) => s.enabled)).toHaveLength(stored.length);
  });
});

describe('periodEnded', () => {
  it('is over from the London day after the last day', () => {
    expect(periodEnded('2025-06-30', new Date('2025-06-30T22:59:00Z'))).toBe(false); // 23:59 on 30 June in London
    expect(periodEnded('2025-06-30', new Date('2025-06-30T23:00:00Z'))).toBe(true); // midnight in London
  });
});
