/**
 * The demo register: a few hundred synthetic high-risk alerts across the demo directory, so that a first
 * start shows the headline capability working. Everything goes through the services, as the people
 * would: safeguarding midwives at the four acute trusts of Hampshire and the Isle of Wight raise them, the
 * designated nurse approves them, each is distributed to the units its scope reaches, the two unit
 * coordinators acknowledge most of what reached their units, a few women present at the Queen Alexandra
 * emergency department and are found, some alerts are stood down, a few wait for approval, a few are
 * drafts. The audit trail, deliveries, emails and presentations are therefore all real.
 *
 * Every woman is invented (names drawn at random from common names, valid-looking NHS numbers that belong
 * to nobody in this service, postcodes of the right areas). Three are fixed, for the README's example
 * searches (SHOWCASE): their details never change, whatever the random ones do.
 */
import type { AlertContentInput, DistributionScope } from '../alerts/model';
import { distribute } from '../alerts/distribution';
import { acknowledge, approve, createDraft, getAlert, standDown, submit } from '../alerts/service';
import { unitInbox } from '../alerts/lists';
import { RegisterIndex } from '../identity/register-index';
import { generateValidNhsNumber, formatNhsNumber } from '../identity/matching/nhs-number';
import { checkForAlert, reveal } from '../identity/point-of-care/service';
import { markPresentationSeen, listPresentations } from '../identity/point-of-care/presentations';
import { recordOutcome } from '../identity/point-of-care/outcome';
import { contextForEmail } from '../people/service';
import type { RequestContext } from '../platform/context';
import { addDays, londonDate } from '../platform/dates';
import type { Db } from '../platform/db/engine';
import { DEMO_COLLEAGUES } from './directory-data';
import { createDemoPeople } from './seed';
import { Rng } from './rng';

/** A woman in the demo register, as she really is. */
export interface DemoWoman {
  given: string;
  family: string;
  dateOfBirth: string;
  postcode: string;
  address: string;
  nhsNumber: string | null;
  otherNames: { kind: 'alias' | 'previous' | 'maiden'; given: string; family: string }[];
}

/**
 * The README's example searches: each woman, what a clinician types, and what Beacon should find. The
 * demo test runs these searches against the seeded register.
 */
export const SHOWCASE: readonly { woman: DemoWoman; search: Record<string, string>; says: string }[] = [
  {
    woman: {
      given: 'Rebecca',
      family: 'Thornbury',
      dateOfBirth: '1997-04-12',
      postcode: 'PO4 8RT',
      address: '22 Highland Road, Southsea',
      nhsNumber: '9876543210',
      otherNames: [],
    },
    search: { givenName: 'Becky', familyName: 'Thornbury', dateOfBirth: '1997-04-12' },
    says: 'she gives the short form of her first name (Becky for Rebecca)',
  },
  {
    woman: {
      given: 'Chantelle',
      family: 'Ozturk',
      dateOfBirth: '2000-09-03',
      postcode: 'SO15 3AB',
      address: 'Flat 4, 81 Shirley Road, Southampton',
      nhsNumber: null,
      otherNames: [{ kind: 'alias', given: 'Shan', family: 'Ozturk' }],
    },
    search: { givenName: 'Chantelle', familyName: 'Ozturk', dateOfBirth: '2000-03-09', postcode: 'SO15 3AB' },
    says: 'her date of birth is written with the day and month swapped (9 March for 3 September)',
  },
  {
    woman: {
      given: 'Jodie',
      family: 'Farrant',
      dateOfBirth: '1993-11-27',
      postcode: 'SO50 4PL',
      address: '5 Twyford Road, Eastleigh',
      nhsNumber: null,
      otherNames: [],
    },
    search: { givenName: 'Jodie', familyName: 'Maddox', dateOfBirth: '1993-11-27', postcode: 'SO50 4PL' },
    says: 'she now uses a new surname (Maddox), with her date of birth and postcode',
  },
];

/** "Becky Thornbury, born 12/04/1997, postcode SO15 3AB": a showcase search as a person would type it. */
export function describeSearch(search: Record<string, string>): string {
  const [y, m, d] = (search.dateOfBirth ?? '').split('-');
  return [
    [search.givenName, search.familyName].filter(Boolean).join(' '),
    search.dateOfBirth ? `born ${d}/${m}/${y}` : null,
    search.postcode ? `postcode ${search.postcode}` : null,
  ]
    .filter(Boolean)
    .join(', ');
}

const FORENAMES = [
  'Amelia',
  'Olivia',
  'Emily',
  'Jessica',
  'Sophie',
  'Chloe',
  'Lauren',
  'Hannah',
  'Megan',
  'Charlotte',
  'Holly',
  'Bethany',
  'Amy',
  'Rachel',
  'Sarah',
  'Laura',
  'Gemma',
  'Danielle',
  'Stacey',
  'Kirsty',
  'Leanne',
  'Natalie',
  'Kelly',
  'Samantha',
  'Jade',
  'Courtney',
  'Paige',
  'Shannon',
  'Ellie',
  'Georgia',
  'Abigail',
  'Katie',
  'Zoe',
  'Lucy',
  'Molly',
  'Niamh',
  'Aisha',
  'Fatima',
  'Amira',
  'Priya',
  'Anjali',
  'Sana',
  'Zainab',
  'Maryam',
  'Ayesha',
  'Mariam',
  'Agnieszka',
  'Katarzyna',
  'Oana',
  'Ioana',
  'Elena',
  'Joanna',
  'Simone',
  'Tanisha',
  'Chidinma',
  'Adaeze',
  'Grace',
  'Precious',
  'Keisha',
  'Demi',
  'Tia',
  'Kayleigh',
  'Tegan',
  'Lacey',
  'Amber',
  'Jasmine',
  'Poppy',
  'Freya',
  'Isla',
  'Evie',
];
const SURNAMES = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Robinson',
  'Wright',
  'Thompson',
  'Evans',
  'Walker',
  'White',
  'Roberts',
  'Green',
  'Hall',
  'Wood',
  'Jackson',
  'Clarke',
  'Patel',
  'Khan',
  'Hussain',
  'Ali',
  'Begum',
  'Ahmed',
  'Shah',
  'Kaur',
  'Singh',
  'Kowalska',
  'Nowak',
  'Wisniewska',
  'Popescu',
  'Ionescu',
  'Okafor',
  'Adeyemi',
  'Mensah',
  'Campbell',
  'Stewart',
  'Murphy',
  "O'Brien",
  'Kelly',
  'Doherty',
  'Baker',
  'Harris',
  'Martin',
  'Cooper',
  'King',
  'Lee',
  'Turner',
  'Hill',
  'Moore',
  'Parker',
  'Edwards',
  'Collins',
  'Morris',
  'Ward',
  'Watson',
  'Hughes',
  'Young',
  'Price',
  'Bennett',
  'Gray',
  'Mills',
  'Lloyd',
  'Marsh',
  'Fletcher',
  'Hayward',
  'Barnes',
  'Chapman',
  'Webb',
  'Pearce',
];
const STREETS = [
  'Station Road',
  'Church Lane',
  'Victoria Street',
  'Park Avenue',
  'Mill Lane',
  'Queens Road',
  'London Road',
  'Elm Grove',
  'Kings Road',
  'The Crescent',
];

/** Where the register's women live, and whose midwives raise their alerts: the four acute trusts of the area. */
export const AREAS = [
  { town: 'Southampton', districts: ['SO14', 'SO15', 'SO16', 'SO17', 'SO18', 'SO19'], raiser: 'midwife@beacon.example', weight: 4 },
  { town: 'Portsmouth', districts: ['PO1', 'PO2', 'PO3', 'PO4', 'PO5', 'PO6'], raiser: 'midwife.portsmouth@beacon.example', weight: 3 },
  { town: 'Basingstoke', districts: ['RG21', 'RG22', 'RG23', 'RG24', 'SO22', 'SO23', 'GU14'], raiser: 'midwife.hampshire@beacon.example', weight: 3 },
  { town: 'Newport, Isle of Wight', districts: ['PO30', 'PO31', 'PO33', 'PO36', 'PO38'], raiser: 'midwife.iow@beacon.example', weight: 1 },
] as const;
const UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

export function randomWoman(rng: Rng, area: (typeof AREAS)[number]): DemoWoman {
  const given = rng.pick(FORENAMES);
  const family = rng.pick(SURNAMES);
  const year = 1984 + rng.int(23);
  const dob = `${year}-${String(1 + rng.int(12)).padStart(2, '0')}-${String(1 + rng.int(28)).padStart(2, '0')}`;
  const postcode = `${rng.pick(area.districts)} ${rng.int(10)}${UNIT_LETTERS[rng.int(20)]}${UNIT_LETTERS[rng.int(20)]}`;
  const otherNames: DemoWoman['otherNames'] = [];
  if (rng.chance(0.2)) otherNames.push({ kind: 'maiden', given, family: rng.pick(SURNAMES) });
  if (rng.chance(0.15)) otherNames.push({ kind: 'alias', given: rng.pick(FORENAMES), family });
  return {
    given,
    family,
    dateOfBirth: dob,
    postcode,
    address: `${1 + rng.int(120)} ${rng.pick(STREETS)}, ${area.town}`,
    nhsNumber: rng.chance(0.8) ? generateValidNhsNumber(rng.next) : null,
    otherNames: otherNames.filter((n) => n.family !== family || n.given !== given),
  };
}

const RISKS = [
  {
    criteria: ['unbooked', 'likely_to_evade'],
    reason: 'Unborn baby subject to a pre-birth assessment; she has moved without telling services and missed every appointment since booking.',
    action: 'Do not discharge mother or baby before speaking to the duty social worker. Phone the emergency duty team out of hours.',
  },
  {
    criteria: ['concealment_suspected'],
    reason: 'Concealed pregnancy suspected: previous concealed pregnancy in 2023, and she denies being pregnant to her GP.',
    action: 'If she presents in labour or with abdominal pain, inform the safeguarding midwife and the on-call consultant obstetrician.',
  },
  {
    criteria: ['missing_pregnant_woman'],
    reason: 'Reported missing by her family at 30 weeks; police are aware. Two previous children subject to child protection plans.',
    action: 'Keep her safe and phone the police on 101 quoting the missing person reference, then the safeguarding team.',
  },
  {
    criteria: ['risk_to_staff', 'likely_to_evade'],
    reason: 'Partner has been violent to staff at another hospital and is known to remove her from care against advice.',
    action: 'Do not tell the partner she is here. Ask security to attend, and speak to her alone if you can.',
  },
] as const;

export function contentFor(
  rng: Rng,
  woman: DemoWoman,
  today: string,
  scope: DistributionScope,
  geographyCode: string | null,
  unitIds: string[],
): AlertContentInput {
  const risk = rng.pick(RISKS);
  const unbooked = (risk.criteria as readonly string[]).includes('unbooked');
  return {
    subject: {
      name: { given: woman.given, family: woman.family },
      otherNames: woman.otherNames.map((n) => ({ kind: n.kind, name: { given: n.given, family: n.family } })),
      datesOfBirth: [{ value: woman.dateOfBirth }],
      nhsNumbers: woman.nhsNumber ? [{ value: formatNhsNumber(woman.nhsNumber), verification: rng.chance(0.7) ? 'pds_trace' : 'unverified' }] : [],
      addresses: [{ kind: 'current', address: woman.address, postcode: woman.postcode }],
      phones: rng.chance(0.6) ? [{ number: `07700 900${String(rng.int(1000)).padStart(3, '0')}`, note: 'Mobile' }] : [],
      physicalDescription: rng.chance(0.5)
        ? rng.pick([
            'Slight build, long dark hair',
            'Tall, short blonde hair',
            'Tattoo of a swallow on her left wrist',
            'Wears glasses; speaks Polish and English',
          ])
        : '',
    },
    associatedPeople: rng.chance(0.4)
      ? [
          {
            relationship: 'Partner',
            name: { given: rng.pick(['Dean', 'Lee', 'Ryan', 'Marcus', 'Tomasz', 'Kyle']), family: rng.pick(SURNAMES) },
            notesOnRisk: 'Known to police',
          },
        ]
      : [],
    pregnancy: {
      edd: addDays(today, 14 + rng.int(26 * 7)),
      bookingStatus: unbooked ? 'unbooked' : rng.pick(['booked', 'unknown'] as const),
      concealment: (risk.criteria as readonly string[]).includes('concealment_suspected') ? 'concealed' : unbooked ? 'unbooked' : 'none',
      cpis: { checkedAt: addDays(today, -rng.int(5)), result: rng.pick(['plan', 'no_plan'] as const) },
    },
    risk: {
      criteria: [...risk.criteria],
      reason: risk.reason,
      actionOnPresentation: risk.action,
      ...((risk.criteria as readonly string[]).includes('risk_to_staff') ? { riskToStaff: 'Her partner threatened a midwife with a knife in 2025.' } : {}),
      inHoursContact: { name: 'Safeguarding midwives', phone: '023 8079 6000' },
      outOfHoursContact: { name: 'Emergency duty team', phone: '0300 555 1373' },
    },
    lawfulBasis: 'public_task_safeguarding',
    distribution: {
      scope,
      ...(geographyCode ? { geographyCode } : {}),
      ...(unitIds.length ? { unitIds } : {}),
      scopeReason:
        scope === 'national'
          ? 'She has family in Manchester and London and has moved between them before.'
          : scope === 'region'
            ? 'She has links across the South East.'
            : scope === 'units'
              ? 'She has only ever used these two hospitals.'
              : 'She has links across Hampshire and the Isle of Wight.',
    },
  };
}

export interface DemoAlertsSummary {
  active: number;
  awaitingApproval: number;
  drafts: number;
  stoodDown: number;
  deliveries: number;
  acknowledged: number;
  presentations: number;
}

/**
 * Add the demo register to a new demo database (the caller seeds only an empty one). `count` women besides
 * the three showcase ones; `key` is the service's encryption key (point-of-care searches are sealed with it).
 */
export async function seedDemoAlerts(db: Db, opts: { password: string; key: Buffer; count?: number; now?: Date; seed?: number }): Promise<DemoAlertsSummary> {
  const now = opts.now ?? new Date();
  const today = londonDate(now);
  const rng = new Rng(opts.seed ?? 20_261_204);
  const count = opts.count ?? 200;
  const summary: DemoAlertsSummary = { active: 0, awaitingApproval: 0, drafts: 0, stoodDown: 0, deliveries: 0, acknowledged: 0, presentations: 0 };

  await createDemoPeople(db, DEMO_COLLEAGUES, opts.password);
  const ctx = async (email: string) => contextForEmail(db, email, 'seed-demo-alerts');
  const designated = await ctx('designated@beacon.example');
  const raisers = new Map<string, RequestContext>();
  for (const a of AREAS) raisers.set(a.raiser, await ctx(a.raiser));
  const southampton = raisers.get('midwife@beacon.example')!;
  const [pah, qah] = await Promise.all([ctx('coordinator.pah@beacon.example'), ctx('coordinator.qah@beacon.example')]);
  const unitsNamed = [pah.actor.unitId!, qah.actor.unitId!];

  const areaCdf = AREAS.flatMap((a) => Array.from({ length: a.weight }, () => a));
  const active: { id: string; woman: DemoWoman; raiser: RequestContext }[] = [];

  const raise = async (woman: DemoWoman, raiser: RequestContext, stage: 'draft' | 'submitted' | 'active') => {
    const roll = rng.next();
    const [scope, geo, unitIds]: [DistributionScope, string | null, string[]] =
      roll < 0.04 ? ['national', null, []] : roll < 0.12 ? ['region', 'Y59', []] : roll < 0.2 ? ['units', null, unitsNamed] : ['icb', 'QRL', []];
    const draft = await createDraft(db, raiser, contentFor(rng, woman, today, scope, geo, unitIds));
    if (stage === 'draft') return draft;
    await submit(db, raiser, draft.id, now);
    if (stage === 'submitted') return draft;
    await approve(db, designated, draft.id, { reviewWeeksAfterEdd: 6 }, null, now);
    // The fan-out the approval queued, run now so that deliveries exist to acknowledge (the queued job then finds nothing to do).
    summary.deliveries += (await distribute(db, { alertId: draft.id, version: 1, kind: 'activation' })).created;
    return draft;
  };

  for (const s of SHOWCASE) {
    const a = await raise(s.woman, southampton, 'active');
    active.push({ id: a.id, woman: s.woman, raiser: southampton });
  }
  for (let i = 0; i < count; i++) {
    const area = rng.pick(areaCdf);
    const raiser = raisers.get(area.raiser)!;
    const woman = randomWoman(rng, area);
    const roll = rng.next();
    const stage = roll < 0.03 ? 'draft' : roll < 0.08 ? 'submitted' : 'active';
    const a = await raise(woman, raiser, stage);
    if (stage === 'draft') summary.drafts++;
    else if (stage === 'submitted') summary.awaitingApproval++;
    else active.push({ id: a.id, woman, raiser });
  }

  // The coordinators read and acknowledge most of what reached their units; the rest wait in their inboxes.
  for (const coordinator of [pah, qah]) {
    for (const d of (await unitInbox(db, coordinator)).items.filter((d) => !d.acknowledgedAt)) {
      if (!rng.chance(0.7)) continue;
      await getAlert(db, coordinator, d.alertId, 'acknowledge delivery', now);
      await acknowledge(db, coordinator, d.id, rng.chance(0.3) ? 'Added to the unit safeguarding board' : null, now);
      summary.acknowledged++;
    }
  }

  // A few women are found at the Queen Alexandra emergency department, through the details they gave.
  const nurse = await ctx('ed.nurse@beacon.example');
  const index = new RegisterIndex({ listen: false, reconcileMs: 0 });
  await index.build(db);
  const presenting = [
    ...active
      .slice(SHOWCASE.length)
      .filter((a) => a.raiser === southampton)
      .slice(0, 3),
    ...active.slice(SHOWCASE.length + 40, SHOWCASE.length + 43),
  ];
  for (const p of presenting) {
    const result = await checkForAlert(
      db,
      nurse,
      index,
      opts.key,
      { givenName: p.woman.given, familyName: p.woman.family, dateOfBirth: p.woman.dateOfBirth },
      now,
    );
    const candidate = result.candidates.find((c) => c.alertId === p.id);
    if (!candidate) continue;
    const { revealId } = await reveal(db, nurse, result.searchId, { alertId: p.id, reason: 'presenting' }, undefined, now);
    await recordOutcome(
      db,
      nurse,
      index,
      opts.key,
      revealId,
      { outcome: 'same_person', location: rng.pick(['Majors, bay 4', 'Resus', 'Minors, cubicle 2', 'Waiting room']) },
      undefined,
      now,
    );
    summary.presentations++;
  }
  // The Southampton midwife has seen one of her alerts' presentations; the others are waiting for her.
  const [first] = await listPresentations(db, southampton);
  if (first) await markPresentationSeen(db, southampton, first.id, now);

  // Some alerts have done their work and are stood down (their recipients are told).
  for (const a of active.slice(SHOWCASE.length + 3)) {
    if (!rng.chance(0.06)) continue;
    await standDown(db, a.raiser, a.id, rng.pick(['found_safe', 'baby_delivered_safe', 'plan_in_place'] as const), null, now);
    summary.stoodDown++;
  }
  summary.active = active.length - summary.stoodDown;
  return summary;
}
