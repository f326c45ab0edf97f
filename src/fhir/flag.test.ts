import { describe, expect, it } from 'vitest';
import { beaconSystems, etagOf, flagStatus, matchGrade, outcomeOfReason, versionFromIfMatch } from './flag';
import { detailsFromPatient, parseFlagSearch } from './service';
import type { FhirError } from './outcome';

const sys = beaconSystems('https://beacon.example');

describe('an alert as a Flag', () => {
  it('maps statuses; drafts and alerts waiting for approval are no Flag', () => {
    expect(['active', 'stood_down', 'expired', 'archived', 'cancelled'].map(flagStatus)).toEqual([
      'active',
      'inactive',
      'inactive',
      'inactive',
      'entered-in-error',
    ]);
    expect(['draft', 'submitted', 'returned'].map(flagStatus)).toEqual([null, null, null]);
  });
  it('versions: ETag and If-Match', () => {
    expect(etagOf(4)).toBe('W/"4"');
    expect(['W/"4"', '"4"', '4'].map(versionFromIfMatch)).toEqual([4, 4, 4]);
    expect([undefined, '', '*', 'W/"x"'].map(versionFromIfMatch)).toEqual([null, null, null, null]);
  });
  it('grades: strong and near-certain is certain, strong is probable, the rest possible', () => {
    expect(matchGrade('strong', 0.9995)).toBe('certain');
    expect(matchGrade('strong', 0.97)).toBe('probable');
    expect(matchGrade('possible', 0.6)).toBe('possible');
  });
  it('reads the stand-down outcome back from the reason written', () => {
    expect(outcomeOfReason('Found and safe: seen with baby')).toBe('found_safe');
    expect(outcomeOfReason('Plan in place')).toBe('plan_in_place');
    expect(outcomeOfReason('Raised for the wrong woman')).toBeNull();
  });
});

describe('a Flag search', () => {
  it('reads NHS number, status, code, _lastUpdated and _count', () => {
    const s = parseFlagSearch(
      {
        'patient.identifier': 'https://fhir.nhs.uk/Id/nhs-number|943 476 5919',
        status: 'active,entered-in-error',
        code: `${sys.alertType}|unborn-baby-high-risk`,
        _lastUpdated: ['ge2026-01-01', 'lt2026-02-01T00:00:00Z'],
        _count: '5',
      },
      sys,
    );
    expect(s).toEqual({
      nhsNumber: '9434765919',
      statuses: ['active', 'cancelled'],
      updatedFrom: new Date('2026-01-01'),
      updatedBefore: new Date('2026-02-01T00:00:00Z'),
      count: 5,
    });
    expect(parseFlagSearch({ _lastUpdated: 'le2026-01-01' }, sys).updatedBefore).toEqual(new Date('2026-01-02'));
    expect(parseFlagSearch({ code: 'something-else' }, sys).statuses).toEqual([]);
  });
  it('refuses what it does not support, saying what it does', () => {
    const refused = (q: Record<string, string>) => {
      try {
        parseFlagSearch(q, sys);
      } catch (e) {
        return (e as FhirError).diagnostics;
      }
      return null;
    };
    expect(refused({ name: 'x' })).toMatch(/not supported.*patient\.identifier/);
    expect(refused({ 'patient.identifier': 'urn:oid:1|123' })).toMatch(/NHS number/);
    expect(refused({ 'patient.identifier': '123' })).toMatch(/10 digits/);
    expect(refused({ status: 'draft' })).toMatch(/active, inactive or entered-in-error/);
    expect(refused({ _lastUpdated: 'yesterday' })).toMatch(/ge2026-01-01/);
    expect(refused({ _count: '1000' })).toMatch(/0 to 100/);
  });
});

describe('what a Patient gives the check', () => {
  it('official name first, other names and extra given names as other names, NHS number, home postcode', () => {
    expect(
      detailsFromPatient({
        resourceType: 'Patient',
        name: [
          { use: 'usual', given: ['Becky'], family: 'Thornbury' },
          { use: 'official', given: ['Rebecca', 'Jane'], family: 'Thornbury' },
        ],
        identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9876543210' }],
        birthDate: '1997-04-12',
        address: [
          { use: 'old', postalCode: 'SO1 1AA' },
          { use: 'home', postalCode: 'PO4 8RT' },
        ],
      }),
    ).toEqual({
      givenName: 'Rebecca',
      familyName: 'Thornbury',
      otherNames: ['Becky Thornbury', 'Jane'],
      dateOfBirth: '1997-04-12',
      nhsNumber: '9876543210',
      postcode: 'PO4 8RT',
    });
  });
});
