import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError, zodFieldErrors } from '../platform/errors';
import { type AlertContent, type AlertContentInput, alertContentSchema, effectiveReviewDate, LIMITS, parseAlertContent } from './model';

// 10:00 in England on 1 March 2026. Today is 2026-03-01.
const NOW = new Date('2026-03-01T10:00:00Z');
const UNIT_A = '8b0c2c4e-7d1a-4f7e-9a35-0f6d0f3a1b11';
const UNIT_B = '2f4e1d9c-3b5a-4c8e-8d7f-6a1b2c3d4e5f';

/** A complete, valid alert as a form would send it. Each test breaks one thing. */
function valid(): AlertContentInput {
  return {
    subject: {
      name: { given: ' Jane ', family: 'Doe' },
      otherNames: [
        { kind: 'alias', name: { given: 'Janey', family: '' } },
        { kind: 'maiden', name: { family: 'Smith' } },
      ],
      datesOfBirth: [{ value: '1998-07-14' }, { value: '1996-07-14', knownFalse: true }],
      nhsNumbers: [{ value: '943 476 5919', verification: 'pds_trace' }],
      addresses: [{ kind: 'current', address: '1 High Street, Southampton', postcode: 'so166yd' }],
      phones: [{ number: '07700 900123', note: 'Mobile' }],
      physicalDescription: 'Slight build, dyed red hair',
    },
    associatedPeople: [{ relationship: 'Partner', name: { given: 'John' }, dateOfBirth: '1990-01-02', nhsNumber: '', notesOnRisk: 'Aggressive to staff' }],
    pregnancy: {
      edd: '2026-06-01',
      bookingStatus: 'unbooked',
      bookingUnit: '',
      concealment: 'concealed',
      cpis: { checkedAt: '2026-02-27', result: 'no_plan' },
    },
    risk: {
      criteria: ['unbooked', 'likely_to_evade'],
      reason: 'Unborn baby subject to pre-birth assessment; she has moved without telling services.',
      actionOnPresentation: 'Do not discharge the baby before speaking to the duty social worker.',
      inHoursContact: { name: 'Hampshire MASH', phone: '0300 555 1384' },
      outOfHoursContact: { name: 'Out of Hours Service', phone: '0300 555 1373' },
    },
    lawfulBasis: 'public_task_safeguarding',
    distribution: { scope: 'icb', geographyCode: 'qrl', scopeReason: 'She has links across Hampshire and the Isle of Wight.' },
  };
}

type Patch = (input: AlertContentInput & Record<string, unknown>) => void;

function parse(patch?: Patch, now = NOW, previous?: AlertContent) {
  const input = structuredClone(valid()) as AlertContentInput & Record<string, unknown>;
  patch?.(input);
  return alertContentSchema(now, { previous: previous ?? null }).safeParse(input);
}

/** field path → first message, exactly as the error summary will show it. */
function errors(patch?: Patch, now = NOW, previous?: AlertContent): Record<string, string> {
  const r = parse(patch, now, previous);
  return r.success ? {} : zodFieldErrors(r.error.issues);
}

function content(patch?: Patch): AlertContent {
  const r = parse(patch);
  if (!r.success) throw new Error(JSON.stringify(zodFieldErrors(r.error.issues)));
  return r.data;
}

describe('a valid alert', () => {
  it('parses, trimming text and normalising identifiers', () => {
    const c = content();
    expect(c.subject.name).toEqual({ given: 'Jane', family: 'Doe' });
    expect(c.subject.otherNames).toEqual([
      { kind: 'alias', name: { given: 'Janey', family: null } },
      { kind: 'maiden', name: { given: null, family: 'Smith' } },
    ]);
    expect(c.subject.datesOfBirth).toEqual([
      { value: '1998-07-14', knownFalse: false },
      { value: '1996-07-14', knownFalse: true },
    ]);
    expect(c.subject.dateOfBirthUnknown).toBe(false);
    expect(c.subject.nhsNumbers).toEqual([{ value: '9434765919', verification: 'pds_trace' }]);
    expect(c.subject.addresses[0]?.postcode).toBe('SO16 6YD');
    expect(c.associatedPeople[0]).toEqual({
      relationship: 'Partner',
      name: { given: 'John', family: null },
      dateOfBirth: '1990-01-02',
      nhsNumber: null,
      notesOnRisk: 'Aggressive to staff',
    });
    expect(c.pregnancy.bookingUnit).toBeNull();
    expect(c.risk.otherCriterion).toBeNull();
    expect(c.risk.riskToStaff).toBeNull();
    expect(c.distribution).toEqual({
      scope: 'icb',
      geographyCode: 'QRL',
      unitIds: [],
      unitTypes: ['maternity_unit', 'emergency_department', 'birth_centre', 'ambulance_control'],
      scopeReason: 'She has links across Hampshire and the Isle of Wight.',
    });
    expect(c.reviewDate).toBeNull();
  });

  it('leaves optional lists out as empty lists', () => {
    const c = content((i) => {
      i.subject = { name: { given: 'Jane', family: 'Doe' }, dateOfBirthUnknown: true };
      delete i.associatedPeople;
    });
    expect(c.subject).toMatchObject({ otherNames: [], datesOfBirth: [], nhsNumbers: [], addresses: [], phones: [], physicalDescription: null });
    expect(c.associatedPeople).toEqual([]);
  });

  it('drops unknown keys rather than storing them', () => {
    const c = content((i) => {
      i.approverUserId = 'someone';
    });
    expect(c).not.toHaveProperty('approverUserId');
  });
});

describe('missing sections', () => {
  it('give each field its own message, in the order the journey asks', () => {
    const e = alertContentSchema(NOW).safeParse({});
    expect(e.success).toBe(false);
    const fields = e.success ? {} : zodFieldErrors(e.error.issues);
    expect(fields).toEqual({
      'subject.name.given': 'Enter her first name',
      'subject.name.family': 'Enter her last name',
      'subject.datesOfBirth': 'Enter her date of birth, or say that it is not known',
      'pregnancy.edd': 'Enter the due date',
      'pregnancy.bookingStatus': 'Select whether she has booked for maternity care',
      'pregnancy.concealment': 'Select whether the pregnancy is concealed, denied, booked late or unbooked',
      'pregnancy.cpis.result': 'Select what CP-IS showed, or that it was not checked',
      'risk.criteria': 'Select at least one criterion for the alert',
      'risk.reason': 'Enter why this alert is needed, in plain language',
      'risk.actionOnPresentation': 'Enter what staff must do when she presents',
      'risk.inHoursContact.name': 'Enter the name of the in-hours contact',
      'risk.inHoursContact.phone': "Enter the in-hours contact's telephone number",
      'risk.outOfHoursContact.name': 'Enter the name of the out-of-hours contact',
      'risk.outOfHoursContact.phone': "Enter the out-of-hours contact's telephone number",
      lawfulBasis: 'Select the lawful basis for sharing her information',
      'distribution.scope': 'Select how widely to send the alert',
      'distribution.scopeReason': 'Enter why the alert needs to go this widely',
    });
    expect(Object.keys(fields)[0]).toBe('subject.name.given');
  });

  it('are reported alongside cross-field problems, not a round later', () => {
    const input = valid();
    input.subject = { name: { given: '', family: 'Doe' }, datesOfBirth: [] };
    input.risk = { ...input.risk, reason: '', criteria: ['other'] } as never;
    input.distribution = { scope: 'units', scopeReason: '' };
    const r = alertContentSchema(NOW).safeParse(input);
    expect(r.success ? {} : zodFieldErrors(r.error.issues)).toEqual({
      'subject.name.given': 'Enter her first name',
      'subject.datesOfBirth': 'Enter her date of birth, or say that it is not known',
      'risk.reason': 'Enter why this alert is needed, in plain language',
      'risk.otherCriterion': 'Describe the other criterion',
      'distribution.scopeReason': 'Enter why the alert needs to go this widely',
      'distribution.unitIds': 'Select at least one unit to send the alert to',
    });
  });

  it('of the wrong type are refused without crashing', () => {
    for (const bad of [null, 'text', 42, [], { subject: null, pregnancy: [], risk: 'x', distribution: { unitIds: {} } }]) {
      const r = alertContentSchema(NOW).safeParse(bad);
      expect(r.success).toBe(false);
    }
  });

  it('parseAlertContent throws a ValidationError with the same field paths', () => {
    let thrown: unknown;
    try {
      parseAlertContent({ ...valid(), risk: { ...valid().risk, actionOnPresentation: '   ' } }, NOW);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).fieldErrors).toEqual({ 'risk.actionOnPresentation': 'Enter what staff must do when she presents' });
    expect(parseAlertContent(valid(), NOW).subject.name.given).toBe('Jane');
  });
});

describe('subject', () => {
  it('requires her current first and last name', () => {
    expect(
      errors((i) => {
        i.subject!.name = { given: '', family: '  ' };
      }),
    ).toEqual({ 'subject.name.given': 'Enter her first name', 'subject.name.family': 'Enter her last name' });
  });

  it('bounds name length', () => {
    expect(
      errors((i) => {
        i.subject!.name!.family = 'x'.repeat(101);
      }),
    ).toEqual({ 'subject.name.family': 'Last name must be 100 characters or fewer' });
  });

  it('needs at least one part of each other name, and a kind from the list', () => {
    expect(
      errors((i) => {
        i.subject!.otherNames = [
          { kind: 'alias', name: { given: ' ', family: '' } },
          { kind: 'nickname' as never, name: { given: 'Jo' } },
        ];
      }),
    ).toEqual({
      'subject.otherNames.0.name.given': 'Enter a first name or a last name',
      'subject.otherNames.1.kind': 'Select whether this is an alias, a previous name or a maiden name',
    });
  });

  it('allows at most 20 previous names and aliases', () => {
    const many = (n: number) => Array.from({ length: n }, (_, k) => ({ kind: 'alias' as const, name: { given: `Alias${k}` } }));
    expect(
      errors((i) => {
        i.subject!.otherNames = many(LIMITS.otherNames);
      }),
    ).toEqual({});
    expect(
      errors((i) => {
        i.subject!.otherNames = many(LIMITS.otherNames + 1);
      }),
    ).toEqual({ 'subject.otherNames': 'You can add up to 20 previous names and aliases' });
  });

  describe('NHS number not known', () => {
    it('may be said to be not known, but not alongside one', () => {
      expect(
        errors((i) => {
          i.subject!.nhsNumbers = [];
          i.subject!.nhsNumberUnknown = true;
        }),
      ).toEqual({});
      expect(
        errors((i) => {
          i.subject!.nhsNumberUnknown = true;
        }),
      ).toEqual({ 'subject.nhsNumberUnknown': 'You said her NHS number is not known but entered one: remove it, or untick “not known”' });
    });
  });

  describe('dates of birth', () => {
    it('need one, or an explicit "not known"', () => {
      expect(
        errors((i) => {
          i.subject!.datesOfBirth = [];
        }),
      ).toEqual({ 'subject.datesOfBirth': 'Enter her date of birth, or say that it is not known' });
      expect(
        errors((i) => {
          i.subject!.datesOfBirth = [];
          i.subject!.dateOfBirthUnknown = true;
        }),
      ).toEqual({});
    });

    it('count a date known to be false as no date of birth at all', () => {
      expect(
        errors((i) => {
          i.subject!.datesOfBirth = [{ value: '1996-07-14', knownFalse: true }];
        }),
      ).toEqual({ 'subject.datesOfBirth': 'Enter her date of birth, or say that it is not known' });
      expect(
        errors((i) => {
          i.subject!.datesOfBirth = [{ value: '1996-07-14', knownFalse: true }];
          i.subject!.dateOfBirthUnknown = true;
        }),
      ).toEqual({});
    });

    it('refuse "not known" alongside a date not marked false', () => {
      expect(
        errors((i) => {
          i.subject!.dateOfBirthUnknown = true;
        }),
      ).toEqual({
        'subject.dateOfBirthUnknown': 'You said her date of birth is not known but entered one: remove it, mark it as known to be false, or say it is known',
      });
    });

    it('must be real dates written YYYY-MM-DD', () => {
      expect(
        errors((i) => {
          i.subject!.datesOfBirth = [{ value: '1998-02-30' }, { value: '14/07/1998' }, { value: '' }];
        }),
      ).toEqual({
        'subject.datesOfBirth.0.value': 'Date of birth must be a real date: February 1998 has 28 days, not 30',
        'subject.datesOfBirth.1.value': 'Date of birth must be written as YYYY-MM-DD (year, month, day), like 1998-07-14 for 14/07/1998',
        'subject.datesOfBirth.2.value': 'Enter the date of birth',
      });
    });

    it('refuse a date that makes her under 10 or over 60, naming the age', () => {
      const dob = (value: string) =>
        errors((i) => {
          i.subject!.datesOfBirth = [{ value }];
        });
      // Today is 1 March 2026.
      expect(dob('2017-06-03')).toEqual({ 'subject.datesOfBirth.0.value': 'A date of birth of 3 June 2017 makes her 8 years old: check the year' });
      expect(dob('2016-03-02')).toEqual({ 'subject.datesOfBirth.0.value': 'A date of birth of 2 March 2016 makes her 9 years old: check the year' });
      expect(dob('2016-03-01')).toEqual({}); // 10 today
      expect(dob('1965-03-02')).toEqual({}); // 60, 61 tomorrow
      expect(dob('1965-03-01')).toEqual({ 'subject.datesOfBirth.0.value': 'A date of birth of 1 March 1965 makes her 61 years old: check the year' });
      expect(dob('1956-01-01')).toEqual({ 'subject.datesOfBirth.0.value': 'A date of birth of 1 January 1956 makes her 70 years old: check the year' });
      expect(dob('2025-01-01')).toEqual({ 'subject.datesOfBirth.0.value': 'A date of birth of 1 January 2025 makes her 1 year old: check the year' });
      expect(dob('2026-01-01')).toEqual({ 'subject.datesOfBirth.0.value': 'A date of birth of 1 January 2026 makes her less than a year old: check the year' });
      expect(dob('2026-03-02')).toEqual({ 'subject.datesOfBirth.0.value': 'Date of birth must be in the past' });
    });

    it('apply the age rule to a date known to be false too, as it catches typing errors', () => {
      expect(
        errors((i) => {
          i.subject!.datesOfBirth = [{ value: '1998-07-14' }, { value: '2019-07-14', knownFalse: true }];
        }),
      ).toEqual({ 'subject.datesOfBirth.1.value': 'A date of birth of 14 July 2019 makes her 6 years old: check the year' });
    });

    it('are not entered twice', () => {
      expect(
        errors((i) => {
          i.subject!.datesOfBirth = [{ value: '1998-07-14' }, { value: '1998-07-14', knownFalse: true }];
        }),
      ).toEqual({ 'subject.datesOfBirth.1.value': 'The date of birth 14 July 1998 is entered twice' });
    });
  });

  describe('NHS numbers', () => {
    it('pass the Modulus 11 check, with the message a clinician can act on', () => {
      expect(
        errors((i) => {
          i.subject!.nhsNumbers = [{ value: '943 476 5918', verification: 'unverified' }];
        }),
      ).toEqual({ 'subject.nhsNumbers.0.value': 'The NHS number 943 476 5918 is not valid: check the last digit' });
    });

    it('are ten digits', () => {
      expect(
        errors((i) => {
          i.subject!.nhsNumbers = [
            { value: '943 476 591', verification: 'unverified' },
            { value: '943A765919', verification: 'unverified' },
            { value: '', verification: 'unverified' },
          ];
        }),
      ).toEqual({
        'subject.nhsNumbers.0.value': 'Enter the NHS number as 10 digits, like 943 476 5919',
        'subject.nhsNumbers.1.value': 'Enter the NHS number as 10 digits, like 943 476 5919',
        'subject.nhsNumbers.2.value': 'Enter the NHS number',
      });
    });

    it('are stored as digits, however they were typed', () => {
      const c = content((i) => {
        i.subject!.nhsNumbers = [
          { value: '943-476-5919', verification: 'document_seen' },
          { value: '4010232137', verification: 'unverified' },
        ];
      });
      expect(c.subject.nhsNumbers.map((n) => n.value)).toEqual(['9434765919', '4010232137']);
    });

    it('say how each was verified', () => {
      expect(
        errors((i) => {
          i.subject!.nhsNumbers = [{ value: '9434765919' } as never];
        }),
      ).toEqual({ 'subject.nhsNumbers.0.verification': 'Select how the NHS number was verified' });
    });

    it('are not entered twice, even with different spacing', () => {
      expect(
        errors((i) => {
          i.subject!.nhsNumbers = [
            { value: '943 476 5919', verification: 'unverified' },
            { value: '9434765919', verification: 'pds_trace' },
          ];
        }),
      ).toEqual({ 'subject.nhsNumbers.1.value': 'The NHS number 943 476 5919 is entered twice' });
    });
  });

  it('checks address postcodes and needs the address itself', () => {
    expect(
      errors((i) => {
        i.subject!.addresses = [
          { kind: 'previous', address: '2 Low Road', postcode: 'SO16' },
          { kind: 'previous', address: '', postcode: '' },
          { kind: 'elsewhere' as never, address: '3 Mid Lane' },
        ];
      }),
    ).toEqual({
      'subject.addresses.0.postcode': 'Enter a real postcode, like SO16 6YD',
      'subject.addresses.1.address': 'Enter the address',
      'subject.addresses.2.kind': 'Select whether this is her current or a previous address',
    });
    const c = content((i) => {
      i.subject!.addresses = [{ kind: 'previous', address: 'No fixed abode', postcode: null }];
    });
    expect(c.subject.addresses).toEqual([{ kind: 'previous', address: 'No fixed abode', postcode: null }]);
  });

  it('checks telephone numbers are UK numbers', () => {
    expect(
      errors((i) => {
        i.subject!.phones = [{ number: '12345' }, { number: 'call me' }, { number: '' }];
      }),
    ).toEqual({
      'subject.phones.0.number': 'Enter the telephone number as a UK telephone number, like 023 8077 7222',
      'subject.phones.1.number': 'Enter the telephone number as a UK telephone number, like 023 8077 7222',
      'subject.phones.2.number': 'Enter the telephone number',
    });
    expect(
      errors((i) => {
        i.subject!.phones = [{ number: '+44 (0)7700 900123' }];
      }),
    ).toEqual({});
  });

  it('bounds the physical description', () => {
    expect(
      errors((i) => {
        i.subject!.physicalDescription = 'x'.repeat(2001);
      }),
    ).toEqual({ 'subject.physicalDescription': 'Physical description must be 2,000 characters or fewer' });
  });
});

describe('associated people', () => {
  it('need a relationship and a name, and check identifiers', () => {
    expect(
      errors((i) => {
        i.associatedPeople = [{ relationship: '', name: {}, dateOfBirth: '2027-01-01', nhsNumber: '943 476 5918' }];
      }),
    ).toEqual({
      'associatedPeople.0.relationship': 'Enter their relationship to her, like partner or father of the baby',
      'associatedPeople.0.name.given': 'Enter their first name or last name',
      'associatedPeople.0.dateOfBirth': 'Date of birth must be in the past',
      'associatedPeople.0.nhsNumber': 'The NHS number 943 476 5918 is not valid: check the last digit',
    });
  });

  it('have no age limits: a partner may be 17 or 70', () => {
    expect(
      errors((i) => {
        i.associatedPeople = [
          { relationship: 'Partner', name: { family: 'Roe' }, dateOfBirth: '2008-09-01' },
          { relationship: 'Her grandfather', name: { given: 'Bill' }, dateOfBirth: '1950-01-01' },
        ];
      }),
    ).toEqual({});
  });

  it('are at most 10', () => {
    expect(
      errors((i) => {
        i.associatedPeople = Array.from({ length: 11 }, () => ({ relationship: 'Associate', name: { given: 'X' } }));
      }),
    ).toEqual({ associatedPeople: 'You can add up to 10 associated people' });
  });
});

describe('pregnancy', () => {
  const edd = (value: string) =>
    errors((i) => {
      i.pregnancy!.edd = value;
    });

  it('refuses a due date more than 10 weeks ago', () => {
    expect(edd('2025-12-21')).toEqual({}); // exactly 10 weeks before 1 March 2026
    expect(edd('2025-12-20')).toEqual({ 'pregnancy.edd': 'A due date of 20 December 2025 is more than 10 weeks ago: check the date' });
  });

  it('refuses a due date more than 44 weeks ahead', () => {
    expect(edd('2027-01-03')).toEqual({}); // exactly 44 weeks after 1 March 2026
    expect(edd('2027-01-04')).toEqual({ 'pregnancy.edd': 'A due date of 4 January 2027 is more than 44 weeks from today: check the year' });
  });

  it('needs a real due date', () => {
    expect(edd('')).toEqual({ 'pregnancy.edd': 'Enter the due date' });
    expect(edd('2026-06-31')).toEqual({ 'pregnancy.edd': 'Due date must be a real date: June 2026 has 30 days, not 31' });
  });

  it('measures the window from the date in England', () => {
    // 23:30 UTC on 11 May is 00:30 on 12 May in summer time, when 2 March is 71 days ago.
    const patch: Patch = (i) => {
      i.pregnancy!.edd = '2026-03-02';
    };
    expect(errors(patch, new Date('2026-05-11T22:30:00Z'))).toEqual({});
    expect(errors(patch, new Date('2026-05-11T23:30:00Z'))).toEqual({
      'pregnancy.edd': 'A due date of 2 March 2026 is more than 10 weeks ago: check the date',
    });
  });

  it('takes booking status and concealment from the lists', () => {
    expect(
      errors((i) => {
        i.pregnancy!.bookingStatus = 'maybe' as never;
        i.pregnancy!.concealment = 'hidden' as never;
      }),
    ).toEqual({
      'pregnancy.bookingStatus': 'Select whether she has booked for maternity care',
      'pregnancy.concealment': 'Select whether the pregnancy is concealed, denied, booked late or unbooked',
    });
  });

  it('records when CP-IS was checked, and only if it was', () => {
    const cpis = (c: { checkedAt?: string | null; result: 'plan' | 'no_plan' | 'not_checked' }) =>
      errors((i) => {
        i.pregnancy!.cpis = c;
      });
    expect(cpis({ result: 'plan' })).toEqual({ 'pregnancy.cpis.checkedAt': 'Enter the date you checked CP-IS' });
    expect(cpis({ result: 'no_plan', checkedAt: '' })).toEqual({ 'pregnancy.cpis.checkedAt': 'Enter the date you checked CP-IS' });
    expect(cpis({ result: 'not_checked', checkedAt: '2026-02-01' })).toEqual({
      'pregnancy.cpis.checkedAt': 'You said CP-IS was not checked: remove the date, or select what it showed',
    });
    expect(cpis({ result: 'plan', checkedAt: '2026-03-02' })).toEqual({
      'pregnancy.cpis.checkedAt': 'The date CP-IS was checked must be today or in the past',
    });
    expect(cpis({ result: 'plan', checkedAt: '2026-03-01' })).toEqual({});
    expect(cpis({ result: 'not_checked' })).toEqual({});
  });
});

describe('risk and action', () => {
  it('requires the action on presentation', () => {
    for (const value of ['', '   ', undefined]) {
      expect(
        errors((i) => {
          i.risk!.actionOnPresentation = value as never;
        }),
      ).toEqual({ 'risk.actionOnPresentation': 'Enter what staff must do when she presents' });
    }
    expect(
      errors((i) => {
        i.risk!.actionOnPresentation = 'x'.repeat(2001);
      }),
    ).toEqual({ 'risk.actionOnPresentation': 'Action on presentation must be 2,000 characters or fewer' });
  });

  it('needs at least one criterion from the list, and keeps each once', () => {
    expect(
      errors((i) => {
        i.risk!.criteria = [];
      }),
    ).toEqual({ 'risk.criteria': 'Select at least one criterion for the alert' });
    expect(
      errors((i) => {
        i.risk!.criteria = ['unbooked', 'abducted' as never];
      }),
    ).toEqual({ 'risk.criteria.1': 'Select the criteria from the list' });
    expect(
      content((i) => {
        i.risk!.criteria = ['unbooked', 'unbooked'];
      }).risk.criteria,
    ).toEqual(['unbooked']);
  });

  it('needs words for "other" and for "risk to staff"', () => {
    expect(
      errors((i) => {
        i.risk!.criteria = ['other', 'risk_to_staff'];
      }),
    ).toEqual({ 'risk.otherCriterion': 'Describe the other criterion', 'risk.riskToStaff': 'Describe the risk to staff' });
    const c = content((i) => {
      i.risk!.criteria = ['other', 'risk_to_staff'];
      i.risk!.otherCriterion = 'Serious medical concern at birth';
      i.risk!.riskToStaff = 'Partner has threatened midwives';
    });
    expect(c.risk).toMatchObject({ otherCriterion: 'Serious medical concern at birth', riskToStaff: 'Partner has threatened midwives' });
  });

  it('drops "other" text left behind when "other" is not ticked', () => {
    expect(
      content((i) => {
        i.risk!.otherCriterion = 'left over';
      }).risk.otherCriterion,
    ).toBeNull();
  });

  it('needs a name and a UK telephone number for both contacts', () => {
    expect(
      errors((i) => {
        i.risk!.inHoursContact = { name: 'MASH', phone: '999' };
        i.risk!.outOfHoursContact = { name: '', phone: '0300 555 1373' };
      }),
    ).toEqual({
      'risk.inHoursContact.phone': "Enter the in-hours contact's telephone number as a UK telephone number, like 023 8077 7222",
      'risk.outOfHoursContact.name': 'Enter the name of the out-of-hours contact',
    });
  });
});

describe('lawful basis', () => {
  it('comes from the short list', () => {
    expect(
      errors((i) => {
        i.lawfulBasis = 'because' as never;
      }),
    ).toEqual({ lawfulBasis: 'Select the lawful basis for sharing her information' });
    expect(
      errors((i) => {
        i.lawfulBasis = 'vital_interests';
      }),
    ).toEqual({});
  });
});

describe('distribution', () => {
  it('requires a reason for the scope, whatever the scope', () => {
    expect(
      errors((i) => {
        i.distribution = { scope: 'national', scopeReason: ' ' };
      }),
    ).toEqual({ 'distribution.scopeReason': 'Enter why the alert needs to go this widely' });
  });

  it('needs an area for ICB and region scopes', () => {
    expect(
      errors((i) => {
        i.distribution = { scope: 'icb', scopeReason: 'r' };
      }),
    ).toEqual({ 'distribution.geographyCode': 'Select the ICB area (county) to send the alert to' });
    expect(
      errors((i) => {
        i.distribution = { scope: 'region', geographyCode: '', scopeReason: 'r' };
      }),
    ).toEqual({ 'distribution.geographyCode': 'Select the NHS region to send the alert to' });
    expect(
      errors((i) => {
        i.distribution = { scope: 'region', geographyCode: 'Y59; drop', scopeReason: 'r' };
      }),
    ).toEqual({ 'distribution.geographyCode': 'Select an area from the list' });
  });

  it('needs named units for the units scope', () => {
    expect(
      errors((i) => {
        i.distribution = { scope: 'units', scopeReason: 'r' };
      }),
    ).toEqual({ 'distribution.unitIds': 'Select at least one unit to send the alert to' });
    expect(
      errors((i) => {
        i.distribution = { scope: 'units', unitIds: ['not-a-uuid'], scopeReason: 'r' };
      }),
    ).toEqual({ 'distribution.unitIds.0': 'Select units from the list' });
    const c = content((i) => {
      i.distribution = { scope: 'units', unitIds: [UNIT_A, UNIT_B, UNIT_A], geographyCode: 'QRL', scopeReason: 'She uses these two units' };
    });
    expect(c.distribution).toMatchObject({ scope: 'units', unitIds: [UNIT_A, UNIT_B], geographyCode: null });
  });

  it('clears choices left behind by a changed scope', () => {
    const c = content((i) => {
      i.distribution = { scope: 'national', geographyCode: 'QRL', unitIds: [UNIT_A], scopeReason: 'Could be anywhere in England' };
    });
    expect(c.distribution).toMatchObject({ scope: 'national', geographyCode: null, unitIds: [] });
  });

  it('defaults unit types to maternity, ED, birth centre and ambulance control, and checks chosen ones', () => {
    expect(
      content((i) => {
        i.distribution!.unitTypes = ['maternity_unit'];
      }).distribution.unitTypes,
    ).toEqual(['maternity_unit']);
    expect(
      errors((i) => {
        i.distribution!.unitTypes = [];
      }),
    ).toEqual({ 'distribution.unitTypes': 'Select at least one type of unit to send the alert to' });
    expect(
      errors((i) => {
        i.distribution!.unitTypes = ['pharmacy' as never];
      }),
    ).toEqual({ 'distribution.unitTypes.0': 'Select the types of unit from the list' });
  });

  it('needs a scope from the list', () => {
    expect(
      errors((i) => {
        i.distribution!.scope = 'worldwide' as never;
      }),
    ).toEqual({ 'distribution.scope': 'Select how widely to send the alert' });
  });
});

describe('review date', () => {
  const review = (value: string | null) =>
    errors((i) => {
      i.reviewDate = value;
    });

  it('is optional, and must be in the future and within a year when given', () => {
    expect(review(null)).toEqual({});
    expect(review('')).toEqual({});
    expect(review('2026-03-02')).toEqual({});
    expect(review('2026-03-01')).toEqual({ reviewDate: 'The review date must be in the future' });
    expect(review('2027-03-01')).toEqual({}); // 365 days
    expect(review('2027-03-02')).toEqual({ reviewDate: 'The review date must be within a year of today' });
    expect(review('2026-02-30')).toEqual({ reviewDate: 'Review date must be a real date: February 2026 has 28 days, not 30' });
  });

  it('defaults to six weeks (or as configured) after the due date', () => {
    expect(effectiveReviewDate(content())).toBe('2026-07-13');
    expect(effectiveReviewDate(content(), 4)).toBe('2026-06-29');
    expect(
      effectiveReviewDate(
        content((i) => {
          i.reviewDate = '2026-05-01';
        }),
      ),
    ).toBe('2026-05-01');
  });
});

describe('updating an existing version', () => {
  // Raised on 1 March 2026; updated on 1 September 2026, when the due date is 13 weeks ago.
  const LATER = new Date('2026-09-01T10:00:00Z');

  it('does not re-check dates carried over unchanged against today', () => {
    const before = content((i) => {
      i.subject!.datesOfBirth = [{ value: '1965-03-02' }]; // 60 on 1 March 2026, 61 by September
      i.reviewDate = '2026-08-01';
    });
    const keepDates: Patch = (i) => {
      i.subject!.datesOfBirth = [{ value: '1965-03-02' }];
      i.reviewDate = '2026-08-01';
      i.risk!.actionOnPresentation = 'Call the MASH before discharge.';
    };
    expect(errors(keepDates, LATER)).toEqual({
      'subject.datesOfBirth.0.value': 'A date of birth of 2 March 1965 makes her 61 years old: check the year',
      'pregnancy.edd': 'A due date of 1 June 2026 is more than 10 weeks ago: check the date',
      reviewDate: 'The review date must be in the future',
    });
    expect(errors(keepDates, LATER, before)).toEqual({});
  });

  it('checks a changed date as new', () => {
    const before = content();
    expect(
      errors(
        (i) => {
          i.pregnancy!.edd = '2026-06-02';
        },
        LATER,
        before,
      ),
    ).toEqual({ 'pregnancy.edd': 'A due date of 2 June 2026 is more than 10 weeks ago: check the date' });
  });
});

describe('robustness', () => {
  /** Every path into the valid input, objects and arrays included, to replace with anything at all. */
  function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (typeof value !== 'object' || value === null) return [prefix];
    const entries = Array.isArray(value) ? value.map((v, k) => [k, v] as const) : Object.entries(value);
    return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
  }
  const ALL_PATHS = paths(valid()).filter((p) => p.length > 0);

  function setAt(root: unknown, path: (string | number)[], value: unknown) {
    let node = root as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
    node[path.at(-1)!] = value;
  }

  it('never throws on any input, and names only fields that exist', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_PATHS), fc.anything(), (path, junk) => {
        const input = structuredClone(valid());
        setAt(input, path, junk);
        const r = alertContentSchema(NOW).safeParse(input);
        if (!r.success) {
          for (const issue of r.error.issues) {
            expect(issue.message.length).toBeGreaterThan(0);
            expect(issue.path.every((k) => typeof k === 'string' || typeof k === 'number')).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        alertContentSchema(NOW).safeParse(junk);
      }),
    );
  });
});
