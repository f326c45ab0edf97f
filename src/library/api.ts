/**
 * The library as JSON, under /api/library: the same services, rules and audit as the pages. POSTs need
 * X-CSRF-Token (GET /api/session). Bad input is 400 `invalid` with `fields`; a step the lifecycle does not
 * allow (publishing an unapproved version, circulating a withdrawn one) is 409 with the reason.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../platform/http/deps';
import { api } from '../platform/http/api';
import { DateTime, isoOrNull, jsonBody, noContent, pathParam, Uuid } from '../platform/http/api-helpers';
import {
  approveVersion,
  commentOn,
  createDocument,
  getDocument,
  getVersion,
  listDocuments,
  publishVersion,
  returnToDraft,
  sendForReview,
  startVersion,
  updateDraft,
  withdrawVersion,
} from './documents';
import { acknowledge, circulate, myReading, openTask, outstandingList, recordDiscussion } from './circulation';
import { readership } from './readership';
import { KINDS, STATUSES, TOPICS } from './model';
import { versionLabel } from './rules';

const TAGS = ['Library'];
const Status = z.enum(STATUSES);

const DocumentBase = z.object({ id: Uuid, kind: z.enum(KINDS), title: z.string(), summary: z.string(), status: z.enum(['active', 'withdrawn']) });
const VersionSummary = z.object({ id: Uuid, version: z.string(), status: Status, publishedAt: DateTime.nullable(), reviewDueOn: z.iso.date().nullable() });
export const LibraryDocumentList = api.schema(
  'LibraryDocumentList',
  z.object({
    documents: z.array(
      DocumentBase.extend({
        partnerships: z.array(z.string()),
        version: z.string().nullable().describe('The version in force (published), or null when none is yet'),
        versionStatus: Status.nullable(),
        current: VersionSummary.nullable(),
        inProgress: VersionSummary.nullable(),
      }),
    ),
  }),
  'Documents with their kind, the version in force and its status, and any version in progress you may see.',
);
const LibraryDocument = api.schema(
  'LibraryDocument',
  DocumentBase.extend({
    reviewMonths: z.int(),
    topics: z.array(z.enum(TOPICS)),
    partnerships: z.array(z.object({ id: Uuid, name: z.string() })),
    versions: z.array(VersionSummary),
  }),
);
const LibraryVersion = api.schema(
  'LibraryVersion',
  z.object({
    id: Uuid,
    documentId: Uuid,
    version: z.string(),
    status: Status,
    body: z.string().describe('Markdown'),
    html: z.string().describe('The body rendered and cleaned (no script survives)'),
    changeSummary: z.string(),
    approval: z.object({ by: z.string().nullable(), group: z.string().nullable(), meeting: z.string().nullable(), on: z.iso.date().nullable() }),
    publishedAt: DateTime.nullable(),
    reviewDueOn: z.iso.date().nullable(),
    withdrawnReason: z.string().nullable(),
    questions: z.array(z.object({ text: z.string(), options: z.array(z.string()) })),
  }),
);
const Created = api.schema('LibraryCreated', z.object({ id: Uuid }));
const DocumentRequest = api.schema(
  'LibraryDocumentRequest',
  z.object({
    kind: z.enum(KINDS),
    title: z.string(),
    summary: z.string(),
    reviewMonths: z.int(),
    topics: z.array(z.enum(TOPICS)).optional(),
    partnership: z.string().optional().describe('ONS code of the owning partnership (default: your organisation’s)'),
    sharedWith: z.array(z.string()).optional().describe('ONS codes of other partnerships that share it'),
    body: z.string().describe('Markdown of version 1.0'),
  }),
);
const DraftRequest = api.schema(
  'LibraryDraftRequest',
  z.object({
    body: z.string(),
    changeSummary: z.string(),
    reviewers: z.array(z.string()).optional().describe('Reviewers’ Beacon email addresses'),
    questions: z.array(z.object({ text: z.string(), options: z.array(z.string()), correct: z.int().describe('Index of the right option, from 0') })).optional(),
  }),
);
const CirculateRequest = api.schema(
  'LibraryCirculateRequest',
  z.object({
    everyone: z.boolean().optional(),
    organisationIds: z.array(Uuid).optional(),
    roles: z.array(z.string()).optional(),
    unitIds: z.array(Uuid).optional(),
    reminderDays: z.array(z.int()).optional(),
  }),
);
const Counts = z.object({ asked: z.int(), opened: z.int(), acknowledged: z.int(), acknowledgedPct: z.int().nullable(), correct: z.int(), checked: z.int() });
const Readership = api.schema(
  'LibraryReadership',
  z.object({
    documentId: Uuid,
    major: z.int(),
    total: Counts,
    byOrganisation: z.array(Counts.extend({ label: z.string() })),
    byRole: z.array(Counts.extend({ label: z.string() })),
    byUnit: z.array(Counts.extend({ label: z.string() })),
    questions: z.array(z.object({ text: z.string(), right: z.int(), answered: z.int() })),
    overTime: z.array(z.object({ day: z.iso.date(), asked: z.int(), opened: z.int(), acknowledged: z.int() })),
  }),
);
const Reading = api.schema(
  'LibraryReading',
  z.object({
    open: z.array(
      z.object({ id: Uuid, documentId: Uuid, versionId: Uuid, title: z.string(), version: z.string(), askedAt: DateTime, openedAt: DateTime.nullable() }),
    ),
    done: z.array(
      z.object({
        id: Uuid,
        documentId: Uuid,
        versionId: Uuid,
        title: z.string(),
        version: z.string(),
        acknowledgedAt: DateTime.nullable(),
        correct: z.int().nullable(),
      }),
    ),
  }),
);

const summary = (v: { id: string; major: number; minor: number; status: string; publishedAt: Date | null; reviewDueOn: string | null } | null) =>
  v
    ? { id: v.id, version: versionLabel(v), status: v.status as (typeof STATUSES)[number], publishedAt: isoOrNull(v.publishedAt), reviewDueOn: v.reviewDueOn }
    : null;
const pick = <T extends Record<string, unknown>>(c: T) => ({
  asked: Number(c.asked),
  opened: Number(c.opened),
  acknowledged: Number(c.acknowledged),
  acknowledgedPct: (c.acknowledgedPct as number | null) ?? null,
  correct: Number(c.correct),
  checked: Number(c.checked),
});

export const libraryApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const ID = { id: 'The document, version or reading task' };
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/library/documents',
        operationId: 'listLibraryDocuments',
        summary: 'Documents with kind, version and status',
        tags: TAGS,
        query: { kind: KINDS.join(', '), q: 'Words in the title or summary' },
        responses: { 200: { description: 'Documents', schema: LibraryDocumentList } },
      },
      async (req) => {
        const query = req.query as Record<string, string | undefined>;
        const docs = await listDocuments(db, req.ctx, { kind: query.kind, q: query.q });
        return {
          documents: docs.map((d) => ({
            id: d.id,
            kind: d.kind as (typeof KINDS)[number],
            title: d.title,
            summary: d.summary,
            status: d.status as 'active' | 'withdrawn',
            partnerships: d.partnerships,
            version: d.current ? versionLabel(d.current) : null,
            versionStatus: (d.current?.status ?? d.inProgress?.status ?? null) as (typeof STATUSES)[number] | null,
            current: summary(d.current),
            inProgress: summary(d.inProgress),
          })),
        };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/library/documents',
        operationId: 'createLibraryDocument',
        summary: 'Start a document with its first draft (authors of the partnership)',
        tags: TAGS,
        body: { schema: DocumentRequest },
        responses: { 201: { description: 'Started', schema: Created } },
      },
      async (req, reply) => {
        const r = await createDocument(db, req.ctx, jsonBody(req));
        return reply.code(201).send({ id: r.id, versionId: r.versionId });
      },
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/library/documents/:id',
        operationId: 'getLibraryDocument',
        summary: 'One document and the versions you may see',
        tags: TAGS,
        params: ID,
        responses: { 200: { description: 'The document', schema: LibraryDocument } },
      },
      async (req) => {
        const v = await getDocument(db, req.ctx, pathParam(req));
        return {
          id: v.doc.id,
          kind: v.doc.kind as (typeof KINDS)[number],
          title: v.doc.title,
          summary: v.doc.summary,
          status: v.doc.status as 'active' | 'withdrawn',
          reviewMonths: v.doc.reviewMonths,
          topics: v.doc.topics as (typeof TOPICS)[number][],
          partnerships: v.partnerships,
          versions: v.versions.map((x) => summary(x)!),
        };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/library/documents/:id/versions',
        operationId: 'startLibraryVersion',
        summary: 'Start the next version (major: a change of practice; minor: of wording)',
        tags: TAGS,
        params: ID,
        body: { schema: api.schema('LibraryNewVersionRequest', z.object({ change: z.enum(['major', 'minor']) })) },
        responses: { 201: { description: 'Started', schema: Created } },
      },
      async (req, reply) => reply.code(201).send(await startVersion(db, req.ctx, pathParam(req), jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/library/versions/:id',
        operationId: 'getLibraryVersion',
        summary: 'One version: its text, approval and knowledge-check questions (never their answers)',
        tags: TAGS,
        params: ID,
        responses: { 200: { description: 'The version', schema: LibraryVersion } },
      },
      async (req) => {
        const { version: v, html } = await getVersion(db, req.ctx, pathParam(req));
        return {
          id: v.id,
          documentId: v.documentId,
          version: versionLabel(v),
          status: v.status as (typeof STATUSES)[number],
          body: v.body,
          html,
          changeSummary: v.changeSummary,
          approval: { by: v.approvedByName, group: v.approvalGroup, meeting: v.approvalMeeting, on: v.approvedOn },
          publishedAt: isoOrNull(v.publishedAt),
          reviewDueOn: v.reviewDueOn,
          withdrawnReason: v.withdrawnReason,
          questions: v.questions.map((x) => ({ text: x.text, options: x.options })),
        };
      },
    );
    const change = (
      path: string,
      operationId: string,
      text: string,
      run: (id: string, body: Record<string, unknown>, ctx: import('../platform/context').RequestContext) => Promise<unknown>,
      body?: z.ZodType,
    ) =>
      api.route(
        app,
        {
          method: 'POST',
          url: `/api/library/versions/:id/${path}`,
          operationId,
          summary: text,
          tags: TAGS,
          params: ID,
          ...(body ? { body: { schema: body } } : {}),
          responses: { 204: { description: 'Done' } },
        },
        noContent((req) => run(pathParam(req), jsonBody(req), req.ctx)),
      );
    change(
      'draft',
      'updateLibraryDraft',
      'Change a draft (text, summary of changes, reviewers, knowledge check)',
      (id, b, ctx) => updateDraft(db, ctx, id, b),
      DraftRequest,
    );
    change('review', 'sendLibraryVersionForReview', 'Send a draft to its named reviewers', (id, _b, ctx) => sendForReview(db, ctx, id));
    change(
      'comment',
      'commentOnLibraryVersion',
      'A named reviewer comments',
      (id, b, ctx) => commentOn(db, ctx, id, b),
      api.schema('LibraryCommentRequest', z.object({ text: z.string() })),
    );
    change('return', 'returnLibraryVersionToDraft', 'Back to draft', (id, _b, ctx) => returnToDraft(db, ctx, id));
    change(
      'approve',
      'approveLibraryVersion',
      'Record the approval (partnership manager): the group, the meeting and the date',
      (id, b, ctx) => approveVersion(db, ctx, id, b),
      api.schema('LibraryApprovalRequest', z.object({ group: z.string(), meeting: z.string(), approvedOn: z.iso.date() })),
    );
    change(
      'publish',
      'publishLibraryVersion',
      'Publish an approved version (the one before is superseded; a new major version asks readers again)',
      (id, b, ctx) => publishVersion(db, ctx, id, b),
      api.schema('LibraryPublishRequest', z.object({ reviewDueOn: z.iso.date().optional() })),
    );
    change(
      'withdraw',
      'withdrawLibraryVersion',
      'Withdraw a version, with the reason',
      (id, b, ctx) => withdrawVersion(db, ctx, id, b),
      api.schema('LibraryReasonRequest', z.object({ reason: z.string() })),
    );
    change(
      'discussions',
      'recordLibraryDiscussion',
      'Record that a team discussed the published version',
      (id, b, ctx) => recordDiscussion(db, ctx, id, b),
      api.schema('LibraryDiscussionRequest', z.object({ team: z.string(), heldOn: z.iso.date(), present: z.int(), notes: z.string().optional() })),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/library/versions/:id/circulate',
        operationId: 'circulateLibraryVersion',
        summary: 'Ask an audience to read the published version (a task and an email each)',
        tags: TAGS,
        params: ID,
        body: { schema: CirculateRequest },
        responses: { 201: { description: 'Circulated', schema: api.schema('LibraryCirculated', z.object({ id: Uuid, people: z.int() })) } },
      },
      async (req, reply) => reply.code(201).send(await circulate(db, req.ctx, pathParam(req), jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/library/reading',
        operationId: 'myLibraryReading',
        summary: 'What you are asked to read, and what you have confirmed',
        tags: TAGS,
        responses: { 200: { description: 'Your reading', schema: Reading } },
      },
      async (req) => {
        const r = await myReading(db, req.ctx);
        return {
          open: r.open.map((x) => ({
            id: x.read.id,
            documentId: x.read.documentId,
            versionId: x.read.versionId,
            title: x.title,
            version: `${x.major}.${x.minor}`,
            askedAt: x.read.askedAt.toISOString(),
            openedAt: isoOrNull(x.read.openedAt),
          })),
          done: r.done.map((x) => ({
            id: x.read.id,
            documentId: x.read.documentId,
            versionId: x.read.versionId,
            title: x.title,
            version: `${x.major}.${x.minor}`,
            acknowledgedAt: isoOrNull(x.read.acknowledgedAt),
            correct: x.read.correct,
          })),
        };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/library/reading/:id',
        operationId: 'acknowledgeLibraryReading',
        summary: '"I have read and understood this", with the knowledge-check answers (indexes from 0)',
        tags: TAGS,
        params: ID,
        body: { schema: api.schema('LibraryAcknowledgeRequest', z.object({ confirm: z.literal(true), answers: z.array(z.int()).optional() })) },
        responses: { 200: { description: 'Recorded', schema: api.schema('LibraryAcknowledged', z.object({ correct: z.int(), questions: z.int() })) } },
      },
      async (req) => {
        await openTask(db, req.ctx, pathParam(req));
        return acknowledge(db, req.ctx, pathParam(req), jsonBody(req));
      },
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/library/documents/:id/readership',
        operationId: 'libraryReadership',
        summary: 'Readership of a document (counts by organisation, role and unit; knowledge check; over time)',
        tags: TAGS,
        params: ID,
        query: { major: 'The major version (default: the one in force)' },
        responses: { 200: { description: 'Readership', schema: Readership } },
      },
      async (req) => {
        const m = (req.query as Record<string, string | undefined>).major;
        const r = await readership(db, req.ctx, pathParam(req), { major: m && /^\d{1,4}$/.test(m) ? Number(m) : undefined });
        return {
          documentId: r.doc.id,
          major: r.major,
          total: pick(r.total),
          byOrganisation: r.byOrganisation.map((x) => ({ ...pick(x), label: x.label })),
          byRole: r.byRole.map((x) => ({ ...pick(x), label: x.label })),
          byUnit: r.byUnit.map((x) => ({ ...pick(x), label: x.label })),
          questions: r.questions.map((x) => ({ text: x.text, right: x.right, answered: x.answered })),
          overTime: r.overTime,
        };
      },
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/library/outstanding',
        operationId: 'libraryOutstanding',
        summary: 'People of your organisation who have not confirmed their reading a week after the last reminder',
        tags: TAGS,
        responses: {
          200: {
            description: 'Outstanding',
            schema: api.schema(
              'LibraryOutstanding',
              z.object({
                people: z.array(
                  z.object({
                    name: z.string(),
                    email: z.string(),
                    organisation: z.string(),
                    role: z.string(),
                    title: z.string(),
                    version: z.string(),
                    days: z.int(),
                  }),
                ),
              }),
            ),
          },
        },
      },
      async (req) => ({
        people: (await outstandingList(db, req.ctx)).map((r) => ({
          name: r.name,
          email: r.email,
          organisation: r.organisationName,
          role: r.roleLabel,
          title: r.title,
          version: `${r.major}.${r.minor}`,
          days: r.days,
        })),
      }),
    );
  };
