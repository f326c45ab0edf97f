import { sql } from 'drizzle-orm';
import { boolean, index, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';

/** country → NHS region → ICB area (county) → local authority area. */
export const geographies = pgTable(
  'geographies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** ONS/NHS code, e.g. E92000001 (England), Y59 (South East region), QRL (HIOW ICB). */
    code: text('code').notNull(),
    name: text('name').notNull(),
    level: text('level').notNull(),
    parentId: uuid('parent_id').references((): AnyPgColumn => geographies.id),
  },
  (t) => [uniqueIndex('geographies_code_unique').on(t.code), index('geographies_parent_idx').on(t.parentId)],
);

export const organisations = pgTable(
  'organisations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    odsCode: text('ods_code').notNull(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    /** The finest geography the organisation belongs to (ICB area or local authority area). */
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
    addressLine: text('address_line'),
    postcode: text('postcode'),
    phone: text('phone'),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('organisations_ods_unique').on(sql`upper(${t.odsCode})`), index('organisations_geo_idx').on(t.geographyId)],
);

/** Units and sites: where alerts are delivered and acknowledged. */
export const units = pgTable(
  'units',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    name: text('name').notNull(),
    type: text('type').notNull(),
    siteName: text('site_name'),
    postcode: text('postcode'),
    inHoursPhone: text('in_hours_phone'),
    outOfHoursPhone: text('out_of_hours_phone'),
    sharedMailbox: text('shared_mailbox'),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('units_org_idx').on(t.organisationId), uniqueIndex('units_org_name_unique').on(t.organisationId, sql`lower(${t.name})`)],
);
