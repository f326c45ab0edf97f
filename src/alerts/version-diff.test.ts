import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlertContent, type AlertContentInput, alertContentSchema } from './model';
import { DIFFED_PATHS, diffAlertContent } from './version-diff';

const NOW = new Date('2026-03-01T10:00:00Z');
const UNIT_A = '8b0c2c4e-7d1a-4f7e-9a35-0f6d0f3a1b11';
const UNIT_B = '2f4e1d9c-3b5a-4c8e-8d7f-6a1b2c3d4e5f';

/** A version with every field filled in, so the coverage test sees them all. */
function input(): AlertContentInput {
  return {
    subject: {
      name: { given: 'Jane', family: 'Doe' },
      otherNames: [{ kind: 'alias', name: { given: 'Janey' } }],
      datesOfBirth: [{ value: '1998-07-14' }, { value: '1996-07-14', knownFalse: true }],
      dateOfBirthUnknown: false,
      nhsNumbers: [{ value: '9434765919', verification: 'unverified' }],
      addresses: [{ kind: 'current', address: '1 High Street, Southampton', postcode: 'SO16 6YD' }],
      phones: [{ number: '07700 900123', note: 'Mobile' }],
      physicalDescription: 'Slight build',
    },
    associatedPeople: [
      { relationship: 'Partner', name: { given: 'John', family: 'Roe' }, dateOfBirth: '1990-01-02', nhsNumber: '4010232137', notesOnRisk: 'Threatening' },
    ],
    pregnancy: {
      edd: '2026-06-01',
      bookingStatus: 'booked',
      bookingUnit: 'Princess Anne Hospital',
      concealment: 'late_booking',
      cpis: { checkedAt: '2026-02-27', result: 'no_plan' },
    },
    risk: {
      criteria: ['likely_to_evade', 'other', 'risk_to_staff'],
      otherCriterion: 'Serious medical concern',
      reason: 'Moved without telling services.',
      riskToStaff: 'Partner threatening',
      actionOnPresentation: 'Call the MASH before discharge.',
      inHoursContact: { name: 'Hampshire MASH', phone: '0300 555 1384' },
      outOfHoursContact: { name: 'Out of Hours Service', phone: '0300 555 1373' },
    },
    lawfulBasis: 'public_task_safeguarding',
    distribution: { scope: 'units', unitIds: [UNIT_A], unitTypes: ['maternity_unit'], scopeReason: 'Her local unit' },
    reviewDate: '2026-07-13',
  };
}

function version(patch?: (i: AlertContentInput & Record<string, unknown>) => void): AlertContent {
  const i = structuredClone(input()) as AlertContentInput & Record<string, unknown>;
  patch?.(i);
  return alertContentSchema(NOW).parse(i);
}

describe('diffAlertContent', () => {
  it('finds nothing between equal versions', () => {
    expect(diffAlertContent(version(), version())).toEqual([]);
  });

  it('shows a changed field with its label and both values in words', () => {
    const after = version((i) => {
      i.risk!.actionOnPresentation = 'Do not discharge the baby before speaking to the duty social worker.';
      i.pregnancy!.edd = '2026-06-08';
      i.pregnancy!.bookingStatus = 'unbooked';
    });
    expect(diffAlertContent(version(), after)).toEqual([
      { path: 'pregnancy.edd', label: 'Due date', before: '1 June 2026', after: '8 June 2026', change: 'changed' },
      { path: 'pregnancy.bookingStatus', label: 'Booking status', before: 'Booked', after: 'Not booked', change: 'changed' },
      {
        path: 'risk.actionOnPresentation',
        label: 'Action on presentation',
        before: 'Call the MASH before discharge.',
        after: 'Do not discharge the baby before speaking to the duty social worker.',
        change: 'changed',
      },
    ]);
  });

  it('shows a value given or taken away as null on the other side', () => {
    const after = version((i) => {
      i.subject!.physicalDescription = '';
      i.reviewDate = null;
    });
    expect(diffAlertContent(version(), after)).toEqual([
      { path: 'subject.physicalDescription', label: 'Physical description', before: 'Slight build', after: null, change: 'changed' },
      { path: 'reviewDate', label: 'Review date', before: '13 July 2026', after: null, change: 'changed' },
    ]);
  });

  it('compares lists as items added and removed, whatever their order', () => {
    const after = version((i) => {
      i.subject!.datesOfBirth = [{ value: '1996-07-14', knownFalse: true }, { value: '1998-07-14' }, { value: '1998-07-15' }];
      i.subject!.otherNames = [];
      i.risk!.criteria = ['risk_to_staff', 'other', 'likely_to_evade', 'unbooked'];
    });
    expect(diffAlertContent(version(), after)).toEqual([
      { path: 'subject.otherNames', label: 'Previous name or alias', before: 'Janey (alias)', after: null, change: 'removed' },
      { path: 'subject.datesOfBirth', label: 'Date of birth', before: null, after: '15 July 1998', change: 'added' },
      { path: 'risk.criteria', label: 'Criterion', before: null, after: 'Unbooked pregnancy', change: 'added' },
    ]);
  });

  it('shows an item edited in place as one removed and one added', () => {
    const after = version((i) => {
      i.subject!.nhsNumbers = [{ value: '9434765919', verification: 'pds_trace' }];
    });
    expect(diffAlertContent(version(), after)).toEqual([
      { path: 'subject.nhsNumbers', label: 'NHS number', before: '943 476 5919, not verified', after: null, change: 'removed' },
      { path: 'subject.nhsNumbers', label: 'NHS number', before: null, after: '943 476 5919, verified by PDS trace', change: 'added' },
    ]);
  });

  it('describes list items fully enough to recognise them', () => {
    const after = version((i) => {
      i.subject!.addresses = [];
      i.subject!.phones = [];
      i.associatedPeople = [];
    });
    expect(diffAlertContent(version(), after).map((c) => c.before)).toEqual([
      'Current address: 1 High Street, Southampton, SO16 6YD',
      '07700 900123 (Mobile)',
      'Partner: John Roe, born 2 January 1990, NHS number 401 023 2137. Risk: Threatening',
    ]);
  });

  it('names units and areas when told how, and labels unit types and scopes', () => {
    const after = version((i) => {
      i.distribution = { scope: 'icb', geographyCode: 'QRL', unitTypes: ['maternity_unit', 'ambulance_control'], scopeReason: 'Across the county' };
    });
    const names: Record<string, string> = { [UNIT_A]: 'Princess Anne Hospital maternity unit', QRL: 'Hampshire and Isle of Wight' };
    expect(diffAlertContent(version(), after, { unitName: (id) => names[id], geographyName: (c) => names[c] })).toEqual([
      { path: 'distribution.scope', label: 'Distribution', before: 'Named units', after: 'ICB area (county)', change: 'changed' },
      { path: 'distribution.geographyCode', label: 'Area', before: null, after: 'Hampshire and Isle of Wight', change: 'changed' },
      { path: 'distribution.unitIds', label: 'Named unit', before: 'Princess Anne Hospital maternity unit', after: null, change: 'removed' },
      { path: 'distribution.unitTypes', label: 'Type of unit', before: null, after: 'Ambulance control room', change: 'added' },
      { path: 'distribution.scopeReason', label: 'Reason for this distribution', before: 'Her local unit', after: 'Across the county', change: 'changed' },
    ]);
    // Without names, the id shows rather than nothing.
    const widened = version((i) => {
      i.distribution!.unitIds = [UNIT_A, UNIT_B];
    });
    expect(diffAlertContent(version(), widened)).toEqual([{ path: 'distribution.unitIds', label: 'Named unit', before: null, after: UNIT_B, change: 'added' }]);
  });

  it('copes with a version stored under an older shape of the content', () => {
    const old = structuredClone(version()) as unknown as Record<string, unknown>;
    delete old.associatedPeople;
    delete (old.subject as Record<string, unknown>).phones;
    const changes = diffAlertContent(old as unknown as AlertContent, version());
    expect(changes.map((c) => [c.path, c.change])).toEqual([
      ['subject.phones', 'added'],
      ['associatedPeople', 'added'],
    ]);
  });

  it('has a label for every field of the content', () => {
    // Lists are compared whole; everything else by its leaf path.
    const listPaths = new Set(DIFFED_PATHS);
    const leaves = (value: unknown, prefix: string): string[] => {
      if (listPaths.has(prefix) || typeof value !== 'object' || value === null) return [prefix];
      return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
    };
    const contentPaths = leaves(version(), '');
    expect([...contentPaths].sort()).toEqual([...DIFFED_PATHS].sort());
  });

  it('reports changes symmetrically: swapping the versions swaps before and after', () => {
    const variants = [
      version(),
      version((i) => {
        i.subject!.name!.family = 'Smith';
        i.subject!.datesOfBirth = [{ value: '1998-07-14' }];
      }),
      version((i) => {
        i.risk!.criteria = ['unbooked'];
        i.distribution = { scope: 'national', scopeReason: 'Anywhere' };
      }),
      version((i) => {
        i.subject!.nhsNumbers = [];
        i.reviewDate = null;
      }),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...variants), fc.constantFrom(...variants), (a, b) => {
        const flip = { changed: 'changed', added: 'removed', removed: 'added' } as const;
        const forward = diffAlertContent(a, b);
        const backward = diffAlertContent(b, a).map((c) => ({ ...c, before: c.after, after: c.before, change: flip[c.change] }));
        const key = (c: { path: string; before: string | null; after: string | null; change: string }) => JSON.stringify([c.path, c.change, c.before, c.after]);
        expect(forward.map(key).sort()).toEqual(backward.map(key).sort());
        if (a === b) expect(forward).toEqual([]);
      }),
    );
  });
});
