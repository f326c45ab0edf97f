import { csrfUserInfo } from '../platform/http/security';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import type { AppDeps } from '../platform/http/deps';
import { ROLE_LABELS } from '../platform/context';
import { parseInput, ValidationError } from '../platform/errors';
import { api } from '../platform/http/api';
import { PHOTOGRAPH_DEFAULTS } from '../platform/files/photographs';
import { listGeographies, listUnitsForChoice } from '../directory/service';
import { acknowledge, approve, cancel, createDraft, getAlert, renew, returnForChanges, saveDraft, standDown, submit, updateAlert } from './service';
import { requireAlert } from './access';
import { BABY_SEXES, recordBirth } from './birth';
import { approvalQueue, listOrganisationAlerts, unitInbox } from './lists';
import { addPhotograph, getPhotograph } from './photographs';
import { ALERT_STATUS_LABELS, ALERT_STATUSES, MAX_REASON_LENGTH, STAND_DOWN_OUTCOMES, type AlertEventType, type AlertStatus } from './lifecycle';
import { alertContentSchema, type AlertContent } from './model';
import { gestationAt, isIsoDate } from './pregnancy';
import { diffAlertContent } from './version-diff';

/**
 * The alert register as JSON, for other systems and scripts. Every endpoint calls the same services as
 * the pages, so the same access policy, lifecycle rules, validation and audit apply.
 *
 * Authentication is the service's own: sign in (POST /sign-in, as the sign-in page does) to get the
 * `beacon_session` cookie, then GET /api/session for a CSRF token (it also sets the `beacon_csrf`
 * cookie the token belongs to). Send both cookies with every request, and the token in `X-CSRF-Token`
 * with every POST and PUT. Errors are `{ error, message, fields?, correlationId }` (see ApiError).
 */

// ── Schemas ────────────────────────────────────────────────────────────────────────────────────────

const Uuid = z.uuid();
const DateTime = z.iso.datetime();
const IsoDay = z.iso.date();
const Status = z.enum(ALERT_STATUSES);
const ACTIONS = ['submit', 'approve', 'return', 'update', 'renew', 'stand_down', 'cancel'] as const;

export const AlertContentSchema = api.schema(
  'AlertContent',
  alertContentSchema(new Date()),
  'The content of an alert. Field paths (like `subject.nhsNumbers.0.value`) are the keys of validation errors. Dates are YYYY-MM-DD.',
);
export const DraftContent = api.schema(
  'DraftContent',
  z.record(z.string(), z.unknown(), { error: 'Send the alert as a JSON object' }),
  'Any part of AlertContent, as far as it is known. A draft is saved as sent and checked in full when it is submitted.',
);

export const ApproveRequest = api.schema(
  'ApproveRequest',
  z.object({ comments: z.string({ error: 'Comments must be text' }).max(MAX_REASON_LENGTH).nullish() }).strict(),
);
export const ReturnRequest = api.schema('ReturnRequest', z.object({ comments: z.string({ error: 'Enter comments saying what needs to change.' }) }).strict());
export const UpdateRequest = api.schema(
  'UpdateRequest',
  z.object({ content: AlertContentSchema, reason: z.string({ error: 'Enter the reason for this update.' }) }).strict(),
  'The whole new content (not a patch) and why it changed. Validation error paths are prefixed `content.`',
);
/** As UpdateRequest, but the content is left to the service, which knows the previous version. */
const UpdateRequestRuntime = z.object({ content: DraftContent, reason: z.string({ error: 'Enter the reason for this update.' }) }).strict();
export const RenewRequest = api.schema(
  'RenewRequest',
  z
    .object({
      reviewDate: z.string({ error: 'Enter the new review date as a real date.' }).meta({ format: 'date' }),
      reason: z.string({ error: 'Enter the reason for renewing this alert.' }),
    })
    .strict(),
);
export const BirthRequest = api.schema(
  'BirthRequest',
  z
    .object({
      babyGivenName: z.string({ error: 'The baby’s given name must be text' }).max(100).nullish(),
      babyFamilyName: z.string({ error: 'The baby’s family name must be text' }).max(100).nullish(),
      dateOfBirth: z.string({ error: 'Enter the baby’s date of birth' }).meta({ format: 'date' }),
      nhsNumber: z.string({ error: 'The NHS number must be text' }).nullish().meta({ description: 'When issued; 10 digits, spaces allowed' }),
      sex: z.enum(BABY_SEXES, { error: 'Select the baby’s sex, or “Not known”' }),
      placeOfBirthUnitId: Uuid.nullish().meta({ description: 'The unit where the baby was born, when known' }),
    })
    .strict(),
  'The baby’s birth. Recording it again corrects it. Not before the due date minus 24 weeks, not in the future.',
);
const BirthDetail = z
  .object({
    babyGivenName: z.string().nullable(),
    babyFamilyName: z.string().nullable(),
    dateOfBirth: IsoDay,
    nhsNumber: z.string().nullable(),
    sex: z.enum(BABY_SEXES),
    placeOfBirth: z.string().nullable(),
  })
  .nullable()
  .meta({ description: 'The baby’s birth, once recorded; the alert then covers the baby too' });
export const StandDownRequest = api.schema(
  'StandDownRequest',
  z.object({ outcome: z.enum(STAND_DOWN_OUTCOMES, { error: 'Select the outcome.' }), details: z.string({ error: 'Details must be text' }).nullish() }).strict(),
);
export const CancelRequest = api.schema('CancelRequest', z.object({ reason: z.string({ error: 'Enter why this alert is being cancelled.' }) }).strict());
export const AcknowledgeRequest = api.schema(
  'AcknowledgeRequest',
  z.object({ note: z.string({ error: 'The note must be text' }).max(1000, 'The note must be 1,000 characters or fewer').nullish() }).strict(),
);
export const PhotoUpload = api.schema(
  'PhotoUpload',
  z.object({
    photo: z.string().meta({
      contentMediaType: 'application/octet-stream',
      description: `A JPEG or PNG, at most ${PHOTOGRAPH_DEFAULTS.maxBytes / 1024 / 1024} MB. Its type is checked by content; metadata is removed and it is resized and encrypted.`,
    }),
    caption: z.string().max(200).optional().meta({ description: 'A short description, like when it was taken' }),
  }),
);

export const Session = api.schema(
  'Session',
  z.object({
    user: z.object({ id: Uuid, name: z.string() }),
    role: z.string(),
    roleLabel: z.string(),
    organisation: z.object({ id: Uuid, name: z.string() }),
    unitId: Uuid.nullable(),
    csrfToken: z.string().meta({ description: 'Send as X-CSRF-Token on POST and PUT, with the beacon_csrf cookie this response sets' }),
  }),
);
export const Created = api.schema('Created', z.object({ id: Uuid, reference: z.string() }));
export const PhotoCreated = api.schema('PhotoCreated', z.object({ id: Uuid }));
export const UpdateResult = api.schema('UpdateResult', z.object({ version: z.int() }));
export const AlertList = api.schema(
  'AlertList',
  z.object({
    alerts: z.array(
      z.object({
        id: Uuid,
        reference: z.string(),
        status: Status,
        statusLabel: z.string(),
        version: z.int(),
        edd: IsoDay.nullable(),
        reviewDate: IsoDay.nullable(),
        updatedAt: DateTime,
        originator: z.string(),
      }),
    ),
  }),
);
export const ApprovalQueue = api.schema(
  'ApprovalQueue',
  z.object({
    alerts: z.array(
      z.object({
        id: Uuid,
        reference: z.string(),
        submittedAt: DateTime,
        edd: IsoDay.nullable(),
        organisation: z.string(),
        originator: z.string(),
        ownAlert: z.boolean().meta({ description: 'You raised it, so you cannot approve it' }),
      }),
    ),
  }),
);
export const Inbox = api.schema(
  'Inbox',
  z.object({
    unit: z.object({ id: Uuid, name: z.string() }).nullable(),
    items: z.array(
      z.object({
        deliveryId: Uuid,
        alertId: Uuid,
        reference: z.string(),
        alertStatus: Status,
        kind: z.string(),
        version: z.int(),
        sentAt: DateTime,
        acknowledgedAt: DateTime.nullable(),
        read: z.boolean().meta({ description: 'Whether you have read this version (needed before acknowledging it)' }),
      }),
    ),
  }),
);
export const AlertDetail = api.schema(
  'AlertDetail',
  z.object({
    id: Uuid,
    reference: z.string(),
    status: Status,
    statusLabel: z.string(),
    version: z.int(),
    edd: IsoDay.nullable(),
    reviewDate: IsoDay.nullable(),
    gestation: z
      .object({ status: z.enum(['pregnant', 'before', 'after']), weeks: z.int().nullable(), days: z.int().nullable(), text: z.string() })
      .nullable()
      .meta({ description: 'Today, from the due date' }),
    originator: z
      .object({ name: z.string(), organisation: z.string(), organisationId: Uuid, organisationOdsCode: z.string() })
      .nullable()
      .meta({ description: 'Who raised it, and their organisation by name, id and ODS code' }),
    approvedAt: DateTime.nullable(),
    createdAt: DateTime,
    updatedAt: DateTime,
    content: z.union([AlertContentSchema, DraftContent]).meta({ description: 'The current version; a draft or returned alert as saved' }),
    birth: BirthDetail,
    allowedActions: z.array(z.enum(ACTIONS)).meta({ description: 'What you may do to it now' }),
    photos: z.array(z.object({ id: Uuid, caption: z.string().nullable(), width: z.int(), height: z.int(), addedAt: DateTime, url: z.string() })),
    recipients: z
      .array(
        z.object({
          deliveryId: Uuid,
          unit: z.object({ id: Uuid, name: z.string(), type: z.string() }),
          organisation: z.string(),
          organisationId: Uuid,
          organisationOdsCode: z.string(),
          version: z.int(),
          kind: z.string(),
          sentAt: DateTime,
          acknowledgedAt: DateTime.nullable(),
          acknowledgedBy: z.string().nullable(),
          note: z.string().nullable(),
        }),
      )
      .meta({ description: 'The acknowledgement grid: each recipient unit once, with the latest version sent to it' }),
    versions: z.array(
      z.object({
        version: z.int(),
        status: z.string(),
        createdAt: DateTime,
        changeReason: z.string().nullable(),
        changes: z.array(
          z.object({
            path: z.string(),
            label: z.string(),
            before: z.string().nullable(),
            after: z.string().nullable(),
            change: z.enum(['changed', 'added', 'removed']),
          }),
        ),
      }),
    ),
    history: z.array(
      z.object({
        event: z.string(),
        from: z.string().nullable(),
        to: z.string(),
        version: z.int(),
        at: DateTime,
        by: z.string().nullable(),
        organisationId: Uuid.nullable(),
        reason: z.string().nullable(),
      }),
    ),
    accessHistory: z
      .array(
        z.object({
          at: DateTime,
          who: z.string().nullable(),
          role: z.string().nullable(),
          organisationId: Uuid.nullable(),
          action: z.string(),
          purpose: z.string().nullable(),
        }),
      )
      .nullable()
      .meta({ description: 'Who viewed it: only for the organisation that raised it and its approvers' }),
  }),
);

const IdParam = { id: 'The alert id' };
const iso = (d: Date | string | null | undefined) => (d == null ? null : new Date(d).toISOString());
const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;
const body = (req: FastifyRequest) => req.body ?? {};

/** Errors from a nested document are reported under its key, so a client can find the field it sent. */
function prefixContentErrors(err: ValidationError, keep: readonly string[]): ValidationError {
  return new ValidationError(Object.fromEntries(Object.entries(err.fieldErrors).map(([k, v]) => [keep.includes(k) ? k : `content.${k}`, v])));
}

// ── Routes ─────────────────────────────────────────────────────────────────────────────────────────

export const alertApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const { config } = deps;

    await app.register(multipart, {
      attachFieldsToBody: 'keyValues',
      throwFileSizeLimit: false,
      limits: { fileSize: PHOTOGRAPH_DEFAULTS.maxBytes + 1, files: 1, fields: 5, fieldSize: 10_000, parts: 6 },
    });

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/openapi.json',
        operationId: 'openApi',
        summary: 'This document',
        tags: ['Service'],
        public: true,
        responses: { 200: { description: 'The OpenAPI 3.1 description of the API', contentType: 'application/json' } },
      },
      async (_req, reply) => reply.header('cache-control', 'no-cache').send(api.document(config.publicUrl)),
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/session',
        operationId: 'getSession',
        summary: 'Who you are signed in as, and a CSRF token for POST and PUT',
        tags: ['Service'],
        responses: { 200: { description: 'The session', schema: Session } },
      },
      async (req, reply) => {
        const a = req.ctx.actor!;
        return reply.send({
          user: { id: a.userId, name: a.displayName },
          role: a.role,
          roleLabel: ROLE_LABELS[a.role],
          organisation: { id: a.organisationId, name: a.organisationName },
          unitId: a.unitId,
          csrfToken: reply.generateCsrf({ userInfo: csrfUserInfo(req) }),
        });
      },
    );

    // ── Raising ──────────────────────────────────────────────────────────────────────────────────

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/alerts',
        operationId: 'listAlerts',
        summary: "Your organisation's alerts, most recently changed first",
        tags: ['Alerts'],
        responses: { 200: { description: 'The alerts (no personal details)', schema: AlertList } },
      },
      async (req) => ({
        alerts: (await listOrganisationAlerts(db, req.ctx)).map((a) => ({
          id: a.id,
          reference: a.reference,
          status: a.status,
          statusLabel: ALERT_STATUS_LABELS[a.status as AlertStatus] ?? a.status,
          version: a.version,
          edd: a.edd,
          reviewDate: a.reviewDate,
          updatedAt: iso(a.updatedAt),
          originator: a.originator,
        })),
      }),
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/alerts',
        operationId: 'createAlert',
        summary: 'Start an alert as a draft',
        description: 'The draft may be incomplete: everything is checked when it is submitted.',
        tags: ['Alerts'],
        body: { schema: DraftContent },
        responses: { 201: { description: 'The draft', schema: Created } },
      },
      async (req, reply) => reply.code(201).send(await createDraft(db, req.ctx, parseInput(DraftContent, body(req)))),
    );

    api.route(
      app,
      {
        method: 'PUT',
        url: '/api/alerts/:id/draft',
        operationId: 'saveDraft',
        summary: 'Replace the content of a draft (or of an alert returned for changes)',
        tags: ['Alerts'],
        params: IdParam,
        body: { schema: DraftContent },
        responses: { 204: { description: 'Saved' } },
      },
      async (req, reply) => {
        await saveDraft(db, req.ctx, idOf(req), parseInput(DraftContent, body(req)));
        return reply.code(204).send();
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/alerts/:id/photos',
        operationId: 'addPhotograph',
        summary: 'Add a photograph to a draft or returned alert',
        tags: ['Alerts'],
        params: IdParam,
        body: { schema: PhotoUpload, contentType: 'multipart/form-data' },
        responses: { 201: { description: 'Stored (cleaned, resized, encrypted)', schema: PhotoCreated } },
      },
      async (req, reply) => {
        // Who may add to this alert is settled before what was sent is looked at.
        await requireAlert(db, req.ctx, idOf(req), 'alert.change');
        const b = body(req) as Record<string, unknown>;
        if (!Buffer.isBuffer(b.photo) || b.photo.length === 0)
          throw new ValidationError({ photo: 'Select a photograph to upload (a multipart/form-data field called photo)' });
        const caption = typeof b.caption === 'string' ? b.caption.trim() || null : null;
        return reply.code(201).send({ id: await addPhotograph(db, req.ctx, config.encryptionKey, idOf(req), b.photo, caption) });
      },
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/alerts/:id/photos/:photoId',
        operationId: 'getPhotograph',
        summary: 'A photograph of an alert (every view is audited)',
        tags: ['Alerts'],
        params: { id: 'The alert id', photoId: 'The photograph id' },
        responses: { 200: { description: 'The image, never cached', contentType: 'image/jpeg' } },
      },
      async (req, reply) => {
        const { id, photoId } = req.params as { id: string; photoId: string };
        const photo = await getPhotograph(db, req.ctx, config.encryptionKey, id, photoId);
        return reply.type(photo.contentType).send(photo.data);
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/alerts/:id/submit',
        operationId: 'submitAlert',
        summary: 'Submit a draft for approval',
        description: 'The content must now be complete and valid: a 400 lists every problem by field path, and nothing changes.',
        tags: ['Alerts'],
        params: IdParam,
        responses: { 204: { description: 'Submitted' } },
      },
      async (req, reply) => {
        await submit(db, req.ctx, idOf(req));
        return reply.code(204).send();
      },
    );

    // ── Approval ─────────────────────────────────────────────────────────────────────────────────

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/alerts/approvals',
        operationId: 'listApprovals',
        summary: 'Alerts waiting for your approval',
        tags: ['Approval'],
        responses: { 200: { description: 'Oldest first', schema: ApprovalQueue } },
      },
      async (req) => ({
        alerts: (await approvalQueue(db, req.ctx)).map((a) => ({
          id: a.id,
          reference: a.reference,
          submittedAt: iso(a.updatedAt),
          edd: a.edd,
          organisation: a.organisation,
          originator: a.originator,
          ownAlert: a.ownAlert,
        })),
      }),
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/alerts/:id/approve',
        operationId: 'approveAlert',
        summary: 'Approve a submitted alert: it becomes active and is sent',
        tags: ['Approval'],
        params: IdParam,
        body: { schema: ApproveRequest, required: false },
        responses: { 204: { description: 'Approved; distribution to the recipient units is queued' } },
      },
      async (req, reply) => {
        const b = parseInput(ApproveRequest, body(req));
        await approve(db, req.ctx, idOf(req), config.alerts, b.comments?.trim() || null);
        return reply.code(204).send();
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/alerts/:id/return',
        operationId: 'returnAlert',
        summary: 'Return a submitted alert to its originator for changes',
        tags: ['Approval'],
        params: IdParam,
        body: { schema: ReturnRequest },
        responses: { 204: { description: 'Returned' } },
      },
      async (req, reply) => {
        await returnForChanges(db, req.ctx, idOf(req), parseInput(ReturnRequest, body(req)).comments);
        return reply.code(204).send();
      },
    );

    // ── Changes to an active alert ───────────────────────────────────────────────────────────────

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/alerts/:id/update',
        operationId: 'updateAlert',
        summary: 'Update an active alert: a new version, sent to every recipient again',
        tags: ['Changes'],
        params: IdParam,
        body: { schema: UpdateRequest },
        responses: { 200: { description: 'The new version number', schema: UpdateResult } },
      },
      async (req, reply) => {
        const b = parseInput(UpdateRequestRuntime, body(req));
        try {
          return reply.send({ version: await updateAlert(db, req.ctx, idOf(req), b.content, b.reason) });
        } catch (err) {
          throw err instanceof ValidationError ? prefixContentErrors(err, ['reason', 'form']) : err;
        }
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/alerts/:id/renew',
        operationId: 'renewAlert',
        summary: 'Move the review date of an active alert later',
        tags: ['Changes'],
        params: IdParam,
        body: { schema: RenewRequest },
        responses: { 204: { description: 'Renewed' } },
      },
      async (req, reply) => {
        const b = parseInput(RenewRequest, body(req));
        await renew(db, req.ctx, idOf(req), b.reviewDate, b.reason);
        return reply.code(204).send();
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/alerts/:id/birth',
        operationId: 'recordBirth',
        summary: 'Record (or correct) the baby’s birth on an active alert: a new version, sent to every recipient as an update',
        tags: ['Changes'],
        params: IdParam,
        body: { schema: BirthRequest },
        responses: { 200: { description: 'The new version number', schema: UpdateResult } },
      },
      async (req, reply) => {
        const b = parseInput(BirthRequest, body(req));
        return reply.send({ version: await recordBirth(db, req.ctx, idOf(req), b) });
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/alerts/:id/stand-down',
        operationId: 'standDownAlert',
        summary: 'Stand down an active alert, with the outcome',
        tags: ['Changes'],
        params: IdParam,
        body: { schema: StandDownRequest },
        responses: { 204: { description: 'Stood down; recipients are told' } },
      },
      async (req, reply) => {
        const b = parseInput(StandDownRequest, body(req));
        await standDown(db, req.ctx, idOf(req), b.outcome, b.details ?? null);
        return reply.code(204).send();
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/alerts/:id/cancel',
        operationId: 'cancelAlert',
        summary: 'Cancel an alert raised in error (a draft, or one not yet closed)',
        tags: ['Changes'],
        params: IdParam,
        body: { schema: CancelRequest },
        responses: { 204: { description: 'Cancelled; recipients, if any, are told' } },
      },
      async (req, reply) => {
        await cancel(db, req.ctx, idOf(req), parseInput(CancelRequest, body(req)).reason);
        return reply.code(204).send();
      },
    );

    // ── Recipients ───────────────────────────────────────────────────────────────────────────────

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/alerts/inbox',
        operationId: 'unitInbox',
        summary: "Your unit's inbox (unit alert coordinators)",
        tags: ['Recipients'],
        responses: { 200: { description: 'Unacknowledged first', schema: Inbox } },
      },
      async (req) => {
        const { unit, items } = await unitInbox(db, req.ctx);
        return {
          unit,
          items: items.map((i) => ({
            deliveryId: i.id,
            alertId: i.alertId,
            reference: i.reference,
            alertStatus: i.status,
            kind: i.kind,
            version: i.version,
            sentAt: iso(i.createdAt),
            acknowledgedAt: iso(i.acknowledgedAt),
            read: i.opened,
          })),
        };
      },
    );

    api.route(
      app,
      {
        method: 'POST',
        url: '/api/alerts/deliveries/:deliveryId/acknowledge',
        operationId: 'acknowledgeDelivery',
        summary: 'Acknowledge a delivery: loaded into local systems and the team briefed',
        description:
          'The person acknowledging must have read that version first (`GET /api/alerts/{id}`, or the page): otherwise 400 `invalid`, nothing written. Acknowledging again changes nothing.',
        tags: ['Recipients'],
        params: { deliveryId: 'The delivery id (from the inbox)' },
        body: { schema: AcknowledgeRequest, required: false },
        responses: { 204: { description: 'Acknowledged' } },
      },
      async (req, reply) => {
        const b = parseInput(AcknowledgeRequest, body(req));
        await acknowledge(db, req.ctx, (req.params as { deliveryId: string }).deliveryId, b.note?.trim() || null);
        return reply.code(204).send();
      },
    );

    // ── Reading one alert ────────────────────────────────────────────────────────────────────────

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/alerts/:id',
        operationId: 'getAlert',
        summary: 'One alert, with its recipients, versions, history and (for its owners) access history',
        tags: ['Alerts'],
        params: IdParam,
        query: { purpose: 'Why you are reading it, recorded in the audit log (default "view alert")' },
        responses: { 200: { description: 'The alert', schema: AlertDetail } },
      },
      async (req) => {
        const purpose =
          String((req.query as Record<string, unknown>).purpose ?? '')
            .trim()
            .slice(0, 200) || 'view alert (API)';
        const d = await getAlert(db, req.ctx, idOf(req), purpose);
        const [unitRows, geographies] = await Promise.all([listUnitsForChoice(db, req.ctx), listGeographies(db)]);
        const unitNames = new Map(unitRows.map((u) => [u.id, `${u.name} – ${u.organisationName}`]));
        const geoNames = new Map(geographies.map((g) => [g.code, g.name]));
        const ascending = [...d.versions].sort((x, y) => x.version - y.version);
        const edd = (d.content as Partial<AlertContent>)?.pregnancy?.edd;
        const permitted = (e: AlertEventType) => d.allowed.includes(e) && (e === 'approve' || e === 'return' ? d.canApprove : d.canChange);
        return {
          id: d.alert.id,
          reference: d.alert.reference,
          status: d.alert.status,
          statusLabel: ALERT_STATUS_LABELS[d.alert.status as AlertStatus] ?? d.alert.status,
          version: d.alert.version,
          edd: d.alert.edd,
          reviewDate: d.alert.reviewDate,
          gestation: isIsoDate(edd) ? gestationAt(edd, new Date()) : null,
          originator: d.originator,
          approvedAt: iso(d.alert.approvedAt),
          createdAt: iso(d.alert.createdAt),
          updatedAt: iso(d.alert.updatedAt),
          content: d.content,
          birth: d.birth
            ? {
                babyGivenName: d.birth.babyGivenName,
                babyFamilyName: d.birth.babyFamilyName,
                dateOfBirth: d.birth.dateOfBirth,
                nhsNumber: d.birth.nhsNumber,
                sex: d.birth.sex as (typeof BABY_SEXES)[number],
                placeOfBirth: d.birth.placeOfBirth,
              }
            : null,
          allowedActions: ACTIONS.filter((a) => permitted(a)),
          photos: d.photos.map((p) => ({
            id: p.id,
            caption: p.caption,
            width: p.width,
            height: p.height,
            addedAt: iso(p.createdAt),
            url: `/api/alerts/${d.alert.id}/photos/${p.id}`,
          })),
          recipients: d.deliveries.map((r) => ({
            deliveryId: r.d.id,
            unit: { id: r.d.unitId, name: r.unitName, type: r.unitType },
            organisation: r.organisationName,
            organisationId: r.organisationId,
            organisationOdsCode: r.organisationOdsCode,
            version: r.d.version,
            kind: r.d.kind,
            sentAt: iso(r.d.createdAt),
            acknowledgedAt: iso(r.d.acknowledgedAt),
            acknowledgedBy: r.ackBy,
            note: r.d.acknowledgementNote,
          })),
          versions: ascending
            .map((v, i) => ({
              version: v.version,
              status: v.status,
              createdAt: iso(v.createdAt),
              changeReason: v.changeReason,
              changes:
                i === 0
                  ? []
                  : diffAlertContent(ascending[i - 1]!.content as AlertContent, v.content as AlertContent, {
                      unitName: (id) => unitNames.get(id),
                      geographyName: (c) => geoNames.get(c),
                    }),
            }))
            .reverse(),
          history: d.events.map((e) => ({
            event: e.event,
            from: e.fromStatus,
            to: e.toStatus,
            version: e.version,
            at: iso(e.at),
            by: e.byName,
            organisationId: e.byOrganisationId,
            reason: e.reason,
          })),
          accessHistory: d.owner
            ? d.accessHistory.map((h) => ({
                at: iso(h.recordedAt),
                who: h.actorName,
                role: h.actorRole,
                organisationId: h.actorOrganisationId,
                action: h.action,
                purpose: h.reason,
              }))
            : null,
        };
      },
    );
  };
