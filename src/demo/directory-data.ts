import type { GeographyLevel, OrganisationType, UnitType } from '../directory/model';

/**
 * The demo directory: the four-partnership area (Hampshire, Isle of Wight, Portsmouth, Southampton)
 * with its real trusts, ICB and local authorities, plus organisations in other regions so that region
 * and national distribution mean something. ODS and ONS codes are real; telephone numbers are Ofcom's
 * reserved drama numbers (01632 960xxx) and mailboxes use the reserved `.example` domain, so nothing in
 * the demo can reach a real person. Local authorities carry their DfE LA number as ODS-style code.
 */
export interface DemoGeography {
  code: string;
  name: string;
  level: GeographyLevel;
  parent?: string;
}

export const DEMO_GEOGRAPHIES: DemoGeography[] = [
  { code: 'E92000001', name: 'England', level: 'country' },
  { code: 'Y59', name: 'South East', level: 'region', parent: 'E92000001' },
  { code: 'Y58', name: 'South West', level: 'region', parent: 'E92000001' },
  { code: 'Y56', name: 'London', level: 'region', parent: 'E92000001' },
  { code: 'Y62', name: 'North West', level: 'region', parent: 'E92000001' },
  { code: 'QRL', name: 'Hampshire and Isle of Wight', level: 'icb', parent: 'Y59' },
  { code: 'QNQ', name: 'Frimley', level: 'icb', parent: 'Y59' },
  { code: 'QU9', name: 'Buckinghamshire, Oxfordshire and Berkshire West', level: 'icb', parent: 'Y59' },
  { code: 'QVV', name: 'Dorset', level: 'icb', parent: 'Y58' },
  { code: 'QOX', name: 'Bath and North East Somerset, Swindon and Wiltshire', level: 'icb', parent: 'Y58' },
  { code: 'QRV', name: 'North West London', level: 'icb', parent: 'Y56' },
  { code: 'QOP', name: 'Greater Manchester', level: 'icb', parent: 'Y62' },
  { code: 'E10000014', name: 'Hampshire', level: 'local_authority', parent: 'QRL' },
  { code: 'E06000045', name: 'Southampton', level: 'local_authority', parent: 'QRL' },
  { code: 'E06000044', name: 'Portsmouth', level: 'local_authority', parent: 'QRL' },
  { code: 'E06000046', name: 'Isle of Wight', level: 'local_authority', parent: 'QRL' },
];

export interface DemoUnit {
  name: string;
  type: UnitType;
  siteName?: string;
  postcode?: string;
  inHoursPhone: string;
  outOfHoursPhone: string;
  sharedMailbox: string;
}

export interface DemoOrganisation {
  odsCode: string;
  name: string;
  type: OrganisationType;
  geography: string;
  postcode?: string;
  units: DemoUnit[];
}

let phoneSeq = 0;
const tel = () => `01632 960${String(phoneSeq++ % 1000).padStart(3, '0')}`;
const unit = (name: string, type: UnitType, mailbox: string, siteName?: string, postcode?: string): DemoUnit => ({
  name,
  type,
  ...(siteName ? { siteName } : {}),
  ...(postcode ? { postcode } : {}),
  inHoursPhone: tel(),
  outOfHoursPhone: tel(),
  sharedMailbox: `${mailbox}@beacon.example`,
});

/** An acute trust's usual recipients of a maternity alert. */
const acuteUnits = (short: string, site: string, postcode: string) => [
  unit(`${site} maternity unit`, 'maternity_unit', `${short}.maternity`, site, postcode),
  unit(`${site} emergency department`, 'emergency_department', `${short}.ed`, site, postcode),
  unit(`${short.toUpperCase()} safeguarding team`, 'safeguarding_team', `${short}.safeguarding`, site, postcode),
];

export const DEMO_ORGANISATIONS: DemoOrganisation[] = [
  {
    odsCode: 'QRL',
    name: 'NHS Hampshire and Isle of Wight Integrated Care Board',
    type: 'icb',
    geography: 'QRL',
    postcode: 'SO50 5PB',
    units: [unit('ICB safeguarding children team', 'safeguarding_team', 'hiow.safeguarding')],
  },
  {
    odsCode: 'RHM',
    name: 'University Hospital Southampton NHS Foundation Trust',
    type: 'acute_trust',
    geography: 'E06000045',
    postcode: 'SO16 6YD',
    units: [
      unit('Princess Anne Hospital maternity unit', 'maternity_unit', 'uhs.maternity', 'Princess Anne Hospital', 'SO16 5YA'),
      unit('Southampton General Hospital emergency department', 'emergency_department', 'uhs.ed', 'Southampton General Hospital', 'SO16 6YD'),
      unit('Broadlands birth centre', 'birth_centre', 'uhs.broadlands', 'Princess Anne Hospital', 'SO16 5YA'),
      unit('UHS safeguarding team', 'safeguarding_team', 'uhs.safeguarding', 'Southampton General Hospital', 'SO16 6YD'),
    ],
  },
  {
    odsCode: 'RN5',
    name: 'Hampshire Hospitals NHS Foundation Trust',
    type: 'acute_trust',
    geography: 'E10000014',
    postcode: 'RG24 9NA',
    units: [
      unit('Basingstoke maternity unit', 'maternity_unit', 'hhft.basingstoke.maternity', 'Basingstoke and North Hampshire Hospital', 'RG24 9NA'),
      unit('Winchester maternity unit', 'maternity_unit', 'hhft.winchester.maternity', 'Royal Hampshire County Hospital', 'SO22 5DG'),
      unit('Basingstoke emergency department', 'emergency_department', 'hhft.basingstoke.ed', 'Basingstoke and North Hampshire Hospital', 'RG24 9NA'),
      unit('Winchester emergency department', 'emergency_department', 'hhft.winchester.ed', 'Royal Hampshire County Hospital', 'SO22 5DG'),
      unit('HHFT safeguarding team', 'safeguarding_team', 'hhft.safeguarding', 'Basingstoke and North Hampshire Hospital', 'RG24 9NA'),
    ],
  },
  {
    odsCode: 'RHU',
    name: 'Portsmouth Hospitals University NHS Trust',
    type: 'acute_trust',
    geography: 'E06000044',
    postcode: 'PO6 3LY',
    units: acuteUnits('qah', 'Queen Alexandra Hospital', 'PO6 3LY'),
  },
  {
    odsCode: 'R1F',
    name: 'Isle of Wight NHS Trust',
    type: 'acute_trust',
    geography: 'E06000046',
    postcode: 'PO30 5TG',
    units: acuteUnits('iow', "St Mary's Hospital", 'PO30 5TG'),
  },
  {
    odsCode: 'R1C',
    name: 'Solent NHS Trust',
    type: 'community_trust',
    geography: 'E06000045',
    postcode: 'SO19 8BR',
    units: [unit('Solent safeguarding team', 'safeguarding_team', 'solent.safeguarding')],
  },
  {
    odsCode: 'RW1',
    name: 'Southern Health NHS Foundation Trust',
    type: 'community_trust',
    geography: 'E10000014',
    postcode: 'SO40 2RZ',
    units: [unit('Southern Health safeguarding team', 'safeguarding_team', 'shft.safeguarding')],
  },
  {
    odsCode: 'RYE',
    name: 'South Central Ambulance Service NHS Foundation Trust',
    type: 'ambulance_trust',
    geography: 'QRL',
    postcode: 'SO21 2RU',
    units: [
      unit('SCAS clinical coordination centre', 'ambulance_control', 'scas.ccc'),
      unit('SCAS safeguarding team', 'safeguarding_team', 'scas.safeguarding'),
    ],
  },
  {
    odsCode: '850',
    name: "Hampshire County Council Children's Services",
    type: 'local_authority',
    geography: 'E10000014',
    postcode: 'SO23 8UJ',
    units: [
      unit("Hampshire children's reception team", 'childrens_social_care_front_door', 'hants.crt'),
      unit('Hampshire out of hours service', 'emergency_duty_team', 'hants.ooh'),
    ],
  },
  {
    odsCode: '852',
    name: "Southampton City Council Children's Services",
    type: 'local_authority',
    geography: 'E06000045',
    postcode: 'SO14 7LY',
    units: [
      unit('Southampton children’s resource service', 'childrens_social_care_front_door', 'soton.crs'),
      unit('Southampton emergency duty team', 'emergency_duty_team', 'soton.edt'),
    ],
  },
  {
    odsCode: '851',
    name: "Portsmouth City Council Children's Services",
    type: 'local_authority',
    geography: 'E06000044',
    postcode: 'PO1 2AL',
    units: [
      unit('Portsmouth multi-agency safeguarding hub', 'childrens_social_care_front_door', 'pompey.mash'),
      unit('Portsmouth emergency duty team', 'emergency_duty_team', 'pompey.edt'),
    ],
  },
  {
    odsCode: '921',
    name: "Isle of Wight Council Children's Services",
    type: 'local_authority',
    geography: 'E06000046',
    postcode: 'PO30 1UD',
    units: [
      unit('Isle of Wight children’s reception team', 'childrens_social_care_front_door', 'iow.crt'),
      unit('Isle of Wight emergency duty team', 'emergency_duty_team', 'iow.edt'),
    ],
  },
  {
    odsCode: 'RDU',
    name: 'Frimley Health NHS Foundation Trust',
    type: 'acute_trust',
    geography: 'QNQ',
    postcode: 'GU16 7UJ',
    units: acuteUnits('frimley', 'Frimley Park Hospital', 'GU16 7UJ'),
  },
  {
    odsCode: 'RHW',
    name: 'Royal Berkshire NHS Foundation Trust',
    type: 'acute_trust',
    geography: 'QU9',
    postcode: 'RG1 5AN',
    units: acuteUnits('rbft', 'Royal Berkshire Hospital', 'RG1 5AN'),
  },
  {
    odsCode: 'R0D',
    name: 'University Hospitals Dorset NHS Foundation Trust',
    type: 'acute_trust',
    geography: 'QVV',
    postcode: 'BH7 7DW',
    units: acuteUnits('uhd', 'Royal Bournemouth Hospital', 'BH7 7DW'),
  },
  {
    odsCode: 'RNZ',
    name: 'Salisbury NHS Foundation Trust',
    type: 'acute_trust',
    geography: 'QOX',
    postcode: 'SP2 8BJ',
    units: acuteUnits('sft', 'Salisbury District Hospital', 'SP2 8BJ'),
  },
  {
    odsCode: 'RYJ',
    name: 'Imperial College Healthcare NHS Trust',
    type: 'acute_trust',
    geography: 'QRV',
    postcode: 'W2 1NY',
    units: acuteUnits('imperial', "St Mary's Hospital Paddington", 'W2 1NY'),
  },
  {
    odsCode: 'R0A',
    name: 'Manchester University NHS Foundation Trust',
    type: 'acute_trust',
    geography: 'QOP',
    postcode: 'M13 9WL',
    units: acuteUnits('mft', 'Saint Mary’s Hospital Manchester', 'M13 9WL'),
  },
];

export interface DemoUser {
  email: string;
  displayName: string;
  jobTitle: string;
  role: import('../platform/context').Role;
  odsCode: string;
  unitName?: string;
}

export const DEMO_USERS: DemoUser[] = [
  { email: 'admin@beacon.example', displayName: 'Alex Morgan', jobTitle: 'Beacon system administrator', role: 'system_admin', odsCode: 'QRL' },
  { email: 'midwife@beacon.example', displayName: 'Priya Shah', jobTitle: 'Safeguarding midwife', role: 'safeguarding_practitioner', odsCode: 'RHM' },
  {
    email: 'designated@beacon.example',
    displayName: 'Helen Carter',
    jobTitle: 'Designated nurse for safeguarding children',
    role: 'designated_professional',
    odsCode: 'QRL',
  },
  {
    email: 'coordinator.pah@beacon.example',
    displayName: 'Tom Hughes',
    jobTitle: 'Maternity ward manager',
    role: 'unit_coordinator',
    odsCode: 'RHM',
    unitName: 'Princess Anne Hospital maternity unit',
  },
  {
    email: 'coordinator.qah@beacon.example',
    displayName: 'Grace Okafor',
    jobTitle: 'Maternity safeguarding lead',
    role: 'unit_coordinator',
    odsCode: 'RHU',
    unitName: 'Queen Alexandra Hospital maternity unit',
  },
  {
    email: 'ed.nurse@beacon.example',
    displayName: 'Jamie Lee',
    jobTitle: 'Emergency department nurse',
    role: 'point_of_care',
    odsCode: 'RHU',
    unitName: 'Queen Alexandra Hospital emergency department',
  },
  { email: 'social.worker@beacon.example', displayName: 'Daniel Price', jobTitle: 'Social worker', role: 'social_worker', odsCode: '852' },
  {
    email: 'partnership@beacon.example',
    displayName: 'Ruth Evans',
    jobTitle: 'Partnership business manager (HSCP)',
    role: 'partnership_manager',
    odsCode: '850',
  },
  { email: 'auditor@beacon.example', displayName: 'Sunita Rao', jobTitle: 'Safeguarding quality and assurance lead', role: 'auditor', odsCode: 'QRL' },
  {
    email: 'training@beacon.example',
    displayName: 'Nadia Hussain',
    jobTitle: 'Partnership training and workforce development officer',
    role: 'training_admin',
    odsCode: '850',
  },
  // The review tracker (assurance): the Learning and Inquiry Group's chair, a board member, and an agency's safeguarding lead.
  {
    email: 'lig.chair@beacon.example',
    displayName: 'Dr Amara Osei',
    jobTitle: 'Chair, Learning and Inquiry Group (HSCP)',
    role: 'subgroup_chair',
    odsCode: '850',
  },
  {
    email: 'board@beacon.example',
    displayName: 'Mark Jennings',
    jobTitle: 'Independent scrutineer, Hampshire Safeguarding Children Partnership',
    role: 'board_member',
    odsCode: '850',
  },
  { email: 'agency.lead@beacon.example', displayName: 'Fiona Blake', jobTitle: 'Named nurse for safeguarding children', role: 'agency_lead', odsCode: 'RN5' },
];

/**
 * Colleagues of the demo people who raised the demo register's alerts at the other acute trusts of the
 * Hampshire and Isle of Wight area, so the register spans the directory. They sign in with the demo
 * password too, but are not in the one-per-role list.
 */
export const DEMO_COLLEAGUES: DemoUser[] = [
  {
    email: 'midwife.portsmouth@beacon.example',
    displayName: 'Bethan Lloyd',
    jobTitle: 'Safeguarding midwife',
    role: 'safeguarding_practitioner',
    odsCode: 'RHU',
  },
  {
    email: 'midwife.hampshire@beacon.example',
    displayName: 'Oliver Grant',
    jobTitle: 'Named midwife for safeguarding',
    role: 'safeguarding_practitioner',
    odsCode: 'RN5',
  },
  { email: 'midwife.iow@beacon.example', displayName: 'Chloe Dunmore', jobTitle: 'Safeguarding midwife', role: 'safeguarding_practitioner', odsCode: 'R1F' },
];

/**
 * The people of the learning demo: a trainer (a named nurse who delivers the partnership's course and marks
 * its register) and the demo midwife's line manager (who approves her bookings). They sign in with the demo
 * password too.
 */
export const DEMO_LEARNING_PEOPLE: DemoUser[] = [
  {
    email: 'trainer@beacon.example',
    displayName: 'Marcus Bell',
    jobTitle: 'Named nurse for safeguarding and trainer',
    role: 'safeguarding_practitioner',
    odsCode: 'R1C',
  },
  { email: 'manager@beacon.example', displayName: 'Lucy Adams', jobTitle: 'Maternity matron', role: 'point_of_care', odsCode: 'RHM' },
];
