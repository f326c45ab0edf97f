/**
 * What the alert pages share: labels, the lookups the form and summary need, loading a draft for editing,
 * and small request helpers. Used by routes.ts (the alert page, its actions, lists) and raise-routes.ts
 * (raising one step by step).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { AppDeps } from '../platform/http/deps';
import { ForbiddenError } from '../platform/errors';
import { formErrors } from '../platform/http/forms';
import { PHOTOGRAPH_DEFAULTS } from '../platform/files/photographs';
import { listGeographies, listUnitsForChoice } from '../directory/service';
import { getAlert } from './service';
import { defaultReviewDate, formatDate, gestationAt, isIsoDate } from './pregnancy';
import type { SummaryLookups } from './summary';
import type { Lookups } from './form-view';

export type Detail = Awaited<ReturnType<typeof getAlert>>;

export const DRAFTING: readonly string[] = ['draft', 'returned'];

/** The lifecycle history in the past tense. */
export const EVENT_PAST: Record<string, string> = {
  create: 'Started as a draft',
  submit: 'Submitted for approval',
  return: 'Returned for changes',
  approve: 'Approved and sent',
  update: 'Updated',
  renew: 'Renewed',
  stand_down: 'Stood down',
  cancel: 'Cancelled',
  expire: 'Expired',
  archive: 'Archived',
};

/** What a delivery was about, for the inbox and the grid. */
export const KIND_LABELS: Record<string, string> = {
  activation: 'New alert',
  update: 'Updated alert',
  stand_down: 'Alert stood down',
  cancellation: 'Alert cancelled',
  expiry: 'Alert expired',
};

export const ACCESS_LABELS: Record<string, string> = {
  'alert.view': 'Viewed the alert',
  'alert.photo.view': 'Viewed a photograph',
  'alert.link': 'Linked the alert to a case',
  'alert.link.refused': 'Tried to link the alert to a case (refused)',
  'alert.screen.match': 'Matched in a screening list',
};

export const DONE_BANNERS: Record<string, string> = {
  birth: 'The birth has been recorded and every recipient unit is being sent the update',
  saved: 'Your draft has been saved',
  submitted: 'The alert has been submitted for approval',
  approved: 'The alert has been approved and is being sent to the recipient units',
  returned: 'The alert has been returned to its originator for changes',
  updated: 'The alert has been updated. Recipients are being sent the new version',
  renewed: 'The review date has been changed',
  'stood-down': 'The alert has been stood down. Recipients are being told',
  cancelled: 'The alert has been cancelled',
  acknowledged: 'Acknowledged',
};

export const problemCount = (p: Record<string, string>) => Object.keys(p).length;
/** "31+2" for a list's due date column, or null outside a pregnancy. */
export const gestationToday = (edd: string | null) => {
  if (!edd) return null;
  const g = gestationAt(edd, new Date());
  return g.status === 'pregnant' ? g.text : null;
};
export const one = (v: unknown): string => (Array.isArray(v) ? one(v[v.length - 1]) : typeof v === 'string' ? v : '');
export const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
export const idParam = (req: FastifyRequest) => (req.params as { id: string }).id;

/** A page's error summary: links go to the field on this page, form-level problems to the main content. */
export const pageErrors = (fieldErrors: Record<string, string>, idOf: (path: string) => string) =>
  formErrors(fieldErrors, (p) => (p === 'form' ? 'maincontent' : idOf(p)));

/** Photographs come as multipart forms. Fields are put on the body (so the CSRF check sees `_csrf`); a file
 * larger than the limit is cut short rather than refused outright, so processPhotograph answers with its own
 * message about the size. Registered in each plugin that takes uploads (Fastify scopes it to that plugin). */
export async function registerPhotoUploads(app: FastifyInstance): Promise<void> {
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { fileSize: PHOTOGRAPH_DEFAULTS.maxBytes + 1, files: 1, fields: 10, fieldSize: 10_000, parts: 12 },
  });
}

/** The helpers that need the database and configuration. */
export function routeSupport(deps: AppDeps) {
  const { db } = deps.database;
  const { config } = deps;
  async function lookups(req: FastifyRequest): Promise<Lookups & SummaryLookups> {
    const [unitRows, geographies] = await Promise.all([listUnitsForChoice(db, req.ctx), listGeographies(db)]);
    const units = unitRows.map((u) => ({ id: u.id, label: `${u.name} – ${u.organisationName}` }));
    const unitNames = new Map(units.map((u) => [u.id, u.label]));
    const geoNames = new Map(geographies.map((g) => [g.code, g.name]));
    return {
      units,
      icbs: geographies.filter((g) => g.level === 'icb').map((g) => ({ code: g.code, name: g.name })),
      regions: geographies.filter((g) => g.level === 'region').map((g) => ({ code: g.code, name: g.name })),
      unitName: (id) => unitNames.get(id),
      geographyName: (code) => geoNames.get(code),
      reviewWeeksAfterEdd: config.alerts.reviewWeeksAfterEdd,
    };
  }

  const caption = (d: Detail) => `Alert ${d.alert.reference}`;
  /** The comments of the latest return, shown while the originator makes the changes. */
  const returnComments = (d: Detail) => (d.alert.status === 'returned' ? ([...d.events].reverse().find((e) => e.event === 'return')?.reason ?? null) : null);

  /** Load a draft or returned alert for editing: anything else goes to its page. */
  async function editable(req: FastifyRequest, reply: FastifyReply, purpose: string): Promise<Detail | null> {
    const detail = await getAlert(db, req.ctx, idParam(req), purpose);
    if (!detail.canChange) throw new ForbiddenError('alert.change');
    if (!DRAFTING.includes(detail.alert.status)) {
      await reply.redirect(`/alerts/${detail.alert.id}`);
      return null;
    }
    return detail;
  }

  function reviewHint(content: unknown): string {
    const edd = (content as { pregnancy?: { edd?: unknown } } | null)?.pregnancy?.edd;
    const weeks = config.alerts.reviewWeeksAfterEdd;
    const base = `Leave blank to review it ${weeks} weeks after the due date`;
    return isIsoDate(edd)
      ? `${base} (${formatDate(defaultReviewDate(edd, weeks))}). A date you choose must be within a year.`
      : `${base}. A date you choose must be within a year.`;
  }

  return { lookups, caption, returnComments, editable, reviewHint };
}
