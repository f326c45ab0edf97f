/**
 * Library pages: the library and your reading, a document and its versions, writing and reviewing,
 * approval and publication, circulation, the reading task with its knowledge check, the readership report,
 * reviews due and the outstanding list. The services decide and record; these pages translate forms.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { formErrors, handleForm } from '../platform/http/forms';
import { formatDate, formatDateTime } from '../platform/http/views';
import { londonDate } from '../platform/dates';
import { ROLE_LABELS, type Role } from '../platform/context';
import { ValidationError } from '../platform/errors';
import {
  approveVersion,
  commentOn,
  createDocument,
  getDocument,
  getVersion,
  listDocuments,
  partnershipChoices,
  publishVersion,
  returnToDraft,
  reviewsDue,
  sendForReview,
  startVersion,
  updateDocument,
  updateDraft,
  withdrawVersion,
} from './documents';
import { acknowledge, audienceChoices, circulate, myReading, openTask, outstandingList, recordDiscussion } from './circulation';
import { readership, readershipCsv } from './readership';
import { KIND_LABELS, KINDS, type Kind, STATUS_LABELS, TOPIC_LABELS, TOPICS, type VersionStatus } from './model';
import { versionLabel } from './rules';

const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
const param = (req: FastifyRequest, name = 'id') => (req.params as Record<string, string>)[name]!;
const done = (text: string) => `done=${encodeURIComponent(text)}`;
const kindLabel = (k: string) => KIND_LABELS[k as Kind] ?? k;
const statusLabel = (s: string) => STATUS_LABELS[s as VersionStatus] ?? s;
const STATUS_TAGS: Record<string, string> = {
  draft: 'nhsuk-tag--grey',
  in_review: 'nhsuk-tag--yellow',
  approved: 'nhsuk-tag--blue',
  published: 'nhsuk-tag--green',
  superseded: 'nhsuk-tag--white',
  withdrawn: 'nhsuk-tag--red',
};
const pageErrors = (fieldErrors: Record<string, string>) => formErrors(fieldErrors, (f) => (f === 'form' ? 'maincontent' : f.replace(/\./g, '-')));

/** The form's text areas for the knowledge check, from stored questions. */
function questionValues(questions: readonly { text: string; options: string[]; correct: number }[]): Record<string, string> {
  const out: Record<string, string> = {};
  questions.forEach((x, i) => {
    out[`question${i + 1}`] = x.text;
    out[`question${i + 1}Options`] = x.options.join('\n');
    out[`question${i + 1}Correct`] = String(x.correct + 1);
  });
  return out;
}

/** Field errors of the knowledge check ("0.correct") as the form's field ids. */
const questionFieldId = (f: string) => {
  const m = /^(\d+)\.(text|options|correct)$/.exec(f);
  if (!m) return f;
  const n = Number(m[1]) + 1;
  return m[2] === 'text' ? `question${n}` : m[2] === 'options' ? `question${n}Options` : `question${n}Correct`;
};

export const libraryRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    // ── The library and your reading ─────────────────────────────────────────────────────────────────
    app.get('/library', { config: { permission: 'library.browse' } }, async (req, reply) => {
      const filter = { kind: q(req).kind, q: q(req).q };
      const [docs, reading] = await Promise.all([listDocuments(db, req.ctx, filter), myReading(db, req.ctx)]);
      return reply.page('library/views/library.njk', {
        title: 'Library',
        columnClass: 'nhsuk-grid-column-full',
        done: req.banner(),
        docs: docs.map((d) => ({
          ...d,
          kindLabel: kindLabel(d.kind),
          currentLabel: d.current ? versionLabel(d.current) : null,
          inProgressLabel: d.inProgress ? `${versionLabel(d.inProgress)} ${statusLabel(d.inProgress.status).toLowerCase()}` : null,
          reviewText: d.current?.reviewDueOn ? formatDate(d.current.reviewDueOn) : '',
        })),
        reading: reading.open.map((r) => ({
          ...r,
          kindLabel: kindLabel(r.kind),
          askedText: formatDate(londonDate(r.read.askedAt)),
          version: `${r.major}.${r.minor}`,
        })),
        doneReading: reading.done
          .slice(0, 10)
          .map((r) => ({ ...r, version: `${r.major}.${r.minor}`, ackText: r.read.acknowledgedAt ? formatDate(londonDate(r.read.acknowledgedAt)) : '' })),
        filter,
        kinds: [{ value: '', text: 'Any kind' }, ...KINDS.map((k) => ({ value: k, text: KIND_LABELS[k], selected: k === filter.kind }))],
      });
    });

    // ── A new document ──────────────────────────────────────────────────────────────────────────────
    async function documentForm(
      req: FastifyRequest,
      reply: FastifyReply,
      opts: { values: Record<string, unknown>; fieldErrors?: Record<string, string>; editing?: string },
    ) {
      const { own, all } = await partnershipChoices(db, req.ctx);
      const v = opts.values;
      const list = (x: unknown) => (Array.isArray(x) ? x.map(String) : x ? String(x).split(',') : []);
      return reply.status(opts.fieldErrors ? 400 : 200).page('library/views/document-form.njk', {
        title: opts.editing ? 'Change the document’s details' : 'Write a new document',
        back: opts.editing ? { href: `/library/documents/${opts.editing}` } : { href: '/library', text: 'Library' },
        action: opts.editing ? `/library/documents/${opts.editing}/edit` : '/library',
        editing: !!opts.editing,
        values: v,
        errors: opts.fieldErrors ? pageErrors(opts.fieldErrors) : undefined,
        inline: opts.fieldErrors ?? {},
        kinds: KINDS.map((k) => ({ value: k, text: KIND_LABELS[k], checked: v.kind === k })),
        owners: own.map((g) => ({ value: g.code, text: g.name, selected: v.partnership === g.code })),
        shared: all.map((g) => ({ value: g.code, text: g.name, checked: list(v.sharedWith).includes(g.code) })),
        topics: TOPICS.map((t) => ({ value: t, text: TOPIC_LABELS[t], checked: list(v.topics).includes(t) })),
      });
    }
    app.get('/library/new', { config: { permission: 'library.author' } }, async (req, reply) => documentForm(req, reply, { values: { reviewMonths: '12' } }));
    app.post('/library', async (req, reply) =>
      handleForm(req, reply, {
        act: (_v, body) => createDocument(db, req.ctx, body),
        next: (r) =>
          `/library/versions/${(r as { versionId: string }).versionId}/edit?${done('The document has been started as a draft of version 1.0. Write it, name its reviewers, then send it for review')}`,
        rerender: (_v, _e, fe) => documentForm(req, reply, { values: req.body as Record<string, unknown>, fieldErrors: fe }),
      }),
    );

    // ── A document ──────────────────────────────────────────────────────────────────────────────────
    app.get('/library/documents/:id', async (req, reply) => {
      const view = await getDocument(db, req.ctx, param(req));
      return reply.page('library/views/document.njk', {
        title: view.doc.title,
        back: { href: '/library', text: 'Library' },
        done: req.banner(),
        ...view,
        kindLabel: kindLabel(view.doc.kind),
        topicsText: view.doc.topics.map((t) => TOPIC_LABELS[t as keyof typeof TOPIC_LABELS] ?? t).join(', '),
        partnershipsText: view.partnerships.map((p) => p.name).join(', '),
        versions: view.versions.map((v) => ({
          ...v,
          label: versionLabel(v),
          statusLabel: statusLabel(v.status),
          tagClass: STATUS_TAGS[v.status],
          publishedText: v.publishedAt ? formatDate(londonDate(v.publishedAt)) : '',
          approvedText: v.approvedOn ? formatDate(v.approvedOn) : '',
        })),
      });
    });
    app.get('/library/documents/:id/edit', async (req, reply) => {
      const view = await getDocument(db, req.ctx, param(req));
      if (!view.may.author) return reply.callNotFound();
      return documentForm(req, reply, {
        editing: view.doc.id,
        values: {
          kind: view.doc.kind,
          title: view.doc.title,
          summary: view.doc.summary,
          reviewMonths: String(view.doc.reviewMonths),
          topics: view.doc.topics,
          sharedWith: view.partnerships.slice(1).map((p) => p.code),
        },
      });
    });
    app.post('/library/documents/:id/edit', async (req, reply) =>
      handleForm(req, reply, {
        act: (_v, body) => updateDocument(db, req.ctx, param(req), body),
        next: `/library/documents/${param(req)}?${done('The document’s details have been saved')}`,
        rerender: (_v, _e, fe) => documentForm(req, reply, { editing: param(req), values: req.body as Record<string, unknown>, fieldErrors: fe }),
      }),
    );
    app.post('/library/documents/:id/versions', async (req, reply) =>
      handleForm(req, reply, {
        act: (_v, body) => startVersion(db, req.ctx, param(req), body),
        next: (r) => `/library/versions/${(r as { id: string }).id}/edit?${done('A new draft version has been started from the latest one')}`,
        rerender: async (_v, _e, fe) => {
          throw new ValidationError(fe);
        },
      }),
    );

    // ── A version ───────────────────────────────────────────────────────────────────────────────────
    async function versionPage(
      req: FastifyRequest,
      reply: FastifyReply,
      opts: { fieldErrors?: Record<string, string>; values?: Record<string, string>; form?: string } = {},
    ) {
      const view = await getVersion(db, req.ctx, param(req));
      const v = view.version;
      return reply.status(opts.fieldErrors ? 400 : 200).page('library/views/version.njk', {
        title: `${view.doc.title}, version ${versionLabel(v)}`,
        back: { href: `/library/documents/${view.doc.id}`, text: view.doc.title },
        done: req.banner(),
        ...view,
        label: versionLabel(v),
        statusLabel: statusLabel(v.status),
        tagClass: STATUS_TAGS[v.status],
        kindLabel: kindLabel(view.doc.kind),
        createdText: formatDateTime(v.createdAt),
        approvedText: v.approvedOn ? formatDate(v.approvedOn) : '',
        publishedText: v.publishedAt ? formatDateTime(v.publishedAt) : '',
        reviewDueText: v.reviewDueOn ? formatDate(v.reviewDueOn) : '',
        comments: view.comments.map((c) => ({ ...c, at: formatDateTime(c.createdAt) })),
        errors: opts.fieldErrors ? pageErrors(opts.fieldErrors) : undefined,
        inline: opts.fieldErrors ?? {},
        form: opts.form ?? null,
        values: opts.values ?? {},
        today: londonDate(new Date()),
      });
    }
    app.get('/library/versions/:id', async (req, reply) => versionPage(req, reply));
    app.get('/library/versions/:id/changes', async (req, reply) => {
      const view = await getVersion(db, req.ctx, param(req));
      return reply.page('library/views/changes.njk', {
        title: `What changed in version ${versionLabel(view.version)}`,
        back: { href: `/library/versions/${view.version.id}`, text: `Version ${versionLabel(view.version)}` },
        ...view,
        label: versionLabel(view.version),
        previousLabel: view.previous ? versionLabel(view.previous) : null,
      });
    });

    const step = (path: string, act: (req: FastifyRequest, body: Record<string, unknown>) => Promise<unknown>, message: string) =>
      app.post(`/library/versions/:id/${path}`, async (req, reply) =>
        handleForm(req, reply, {
          act: (_v, body) => act(req, body),
          next: `/library/versions/${param(req)}?${done(message)}`,
          rerender: (values, _e, fe) => versionPage(req, reply, { fieldErrors: fe, values, form: path }),
        }),
      );
    step('review', (req) => sendForReview(db, req.ctx, param(req)), 'Sent for review: each named reviewer has been emailed');
    step('comment', (req, body) => commentOn(db, req.ctx, param(req), body), 'Your comment has been added');
    step('return', (req) => returnToDraft(db, req.ctx, param(req)), 'The version is a draft again');
    step('approve', (req, body) => approveVersion(db, req.ctx, param(req), body), 'The approval has been recorded. It can now be published');
    step('publish', (req, body) => publishVersion(db, req.ctx, param(req), body), 'Published: it is on the partnership’s public page and in force');
    step('withdraw', (req, body) => withdrawVersion(db, req.ctx, param(req), body), 'The version has been withdrawn');
    step('discussions', (req, body) => recordDiscussion(db, req.ctx, param(req), body), 'The team discussion has been recorded');

    // ── Writing a draft ─────────────────────────────────────────────────────────────────────────────
    async function draftForm(req: FastifyRequest, reply: FastifyReply, values: Record<string, string> | null, fieldErrors?: Record<string, string>) {
      const view = await getVersion(db, req.ctx, param(req));
      if (!view.may.author) return reply.callNotFound();
      const v = view.version;
      return reply.status(fieldErrors ? 400 : 200).page('library/views/version-form.njk', {
        title: `Write version ${versionLabel(v)} of ${view.doc.title}`,
        back: { href: `/library/versions/${v.id}`, text: `Version ${versionLabel(v)}` },
        done: req.banner(),
        version: v,
        doc: view.doc,
        editable: v.status === 'draft',
        values: values ?? {
          body: v.body,
          changeSummary: v.changeSummary,
          reviewers: view.reviewers.map((r) => r.email).join('\n'),
          ...questionValues(v.questions),
        },
        errors: fieldErrors ? formErrors(fieldErrors, (f) => questionFieldId(f)) : undefined,
        inline: Object.fromEntries(Object.entries(fieldErrors ?? {}).map(([k, m]) => [questionFieldId(k), m])),
        questionNumbers: [1, 2, 3],
      });
    }
    app.get('/library/versions/:id/edit', async (req, reply) => draftForm(req, reply, null));
    app.post('/library/versions/:id/edit', async (req, reply) =>
      handleForm(req, reply, {
        act: (_v, body) => updateDraft(db, req.ctx, param(req), body),
        next: `/library/versions/${param(req)}?${done('The draft has been saved')}`,
        idFor: questionFieldId,
        rerender: (values, _e, fe) => draftForm(req, reply, values, fe),
      }),
    );

    // ── Circulation ─────────────────────────────────────────────────────────────────────────────────
    async function circulateForm(req: FastifyRequest, reply: FastifyReply, values: Record<string, unknown>, fieldErrors?: Record<string, string>) {
      const c = await audienceChoices(db, req.ctx, param(req));
      const list = (x: unknown) => (Array.isArray(x) ? x.map(String) : x ? String(x).split(',') : []);
      return reply.status(fieldErrors ? 400 : 200).page('library/views/circulate.njk', {
        title: `Circulate ${c.doc.title}, version ${versionLabel(c.version)}`,
        back: { href: `/library/versions/${c.version.id}`, text: `Version ${versionLabel(c.version)}` },
        version: c.version,
        values,
        errors: fieldErrors ? pageErrors(fieldErrors) : undefined,
        inline: fieldErrors ?? {},
        organisations: c.organisations.map((o) => ({ value: o.id, text: o.name, checked: list(values.organisationIds).includes(o.id) })),
        roles: c.roles.map((r) => ({ ...r, checked: list(values.roles).includes(r.value) })),
        units: c.units.map((u) => ({ value: u.id, text: `${u.name} (${u.organisationName})`, checked: list(values.unitIds).includes(u.id) })),
      });
    }
    app.get('/library/versions/:id/circulate', async (req, reply) => circulateForm(req, reply, { reminderDays: '7, 14' }));
    app.post('/library/versions/:id/circulate', async (req, reply) =>
      handleForm(req, reply, {
        act: (_v, body) => circulate(db, req.ctx, param(req), body),
        next: (r) => {
          const n = (r as { people: number }).people;
          return `/library/versions/${param(req)}?${done(n ? `Circulated: ${n} ${n === 1 ? 'person has' : 'people have'} been asked to read it, by a task in Beacon and an email` : 'Everyone in that audience had already been asked to read this version: nobody new was asked')}`;
        },
        rerender: (_v, _e, fe) => circulateForm(req, reply, req.body as Record<string, unknown>, fe),
      }),
    );

    // ── Reading: your task and the knowledge check ──────────────────────────────────────────────────
    async function readPage(req: FastifyRequest, reply: FastifyReply, values: Record<string, string> = {}, fieldErrors?: Record<string, string>) {
      const t = await openTask(db, req.ctx, param(req));
      return reply.status(fieldErrors ? 400 : 200).page('library/views/read.njk', {
        title: t.doc.title,
        back: { href: '/library', text: 'Library' },
        ...t,
        label: versionLabel(t.version),
        kindLabel: kindLabel(t.doc.kind),
        askedText: formatDate(londonDate(t.read.askedAt)),
        ackText: t.read.acknowledgedAt ? formatDateTime(t.read.acknowledgedAt) : null,
        questions: t.questions.map((x, i) => ({
          ...x,
          name: `answer${i + 1}`,
          items: x.options.map((o, j) => ({ value: String(j + 1), text: o, checked: values[`answer${i + 1}`] === String(j + 1) })),
        })),
        values,
        errors: fieldErrors ? pageErrors(fieldErrors) : undefined,
        inline: fieldErrors ?? {},
      });
    }
    app.get('/library/reading/:id', async (req, reply) => readPage(req, reply));
    app.post('/library/reading/:id', async (req, reply) =>
      handleForm(req, reply, {
        act: (_v, body) => acknowledge(db, req.ctx, param(req), body),
        next: (r) => {
          const { correct, questions } = r as { correct: number; questions: number };
          return `/library?${done(`Thank you: your reading is recorded${questions ? `. You answered ${correct} of ${questions} ${questions === 1 ? 'question' : 'questions'} correctly` : ''}`)}`;
        },
        rerender: (values, _e, fe) => readPage(req, reply, values, fe),
      }),
    );

    // ── Readership ──────────────────────────────────────────────────────────────────────────────────
    app.get('/library/documents/:id/readership', async (req, reply) => {
      const major = q(req).major && /^\d{1,4}$/.test(q(req).major!) ? Number(q(req).major) : undefined;
      const r = await readership(db, req.ctx, param(req), { major });
      return reply.page('library/views/readership.njk', {
        title: `Readership: ${r.doc.title}`,
        back: { href: `/library/documents/${r.doc.id}`, text: r.doc.title },
        columnClass: 'nhsuk-grid-column-full',
        r,
        majors: r.majors.map((m) => ({ value: String(m), text: `Version ${m}`, selected: m === r.major })),
        csvHref: `/library/documents/${r.doc.id}/readership.csv?major=${r.major}`,
        overTime: r.overTime.map((d) => ({ ...d, dayText: formatDate(d.day) })),
        circulations: r.circulations.map((c) => ({ ...c, at: formatDateTime(c.createdAt) })),
        discussions: r.discussions.map((d) => ({ ...d, heldText: formatDate(d.heldOn) })),
      });
    });
    app.get('/library/documents/:id/readership.csv', async (req, reply) => {
      const major = q(req).major && /^\d{1,4}$/.test(q(req).major!) ? Number(q(req).major) : undefined;
      const csv = await readershipCsv(db, req.ctx, param(req), { major });
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="readership.csv"').send(csv);
    });

    // ── Reviews due and the outstanding list ────────────────────────────────────────────────────────
    app.get('/library/reviews', { config: { permission: 'library.author' } }, async (req, reply) => {
      const due = await reviewsDue(db, req.ctx);
      return reply.page('library/views/reviews.njk', {
        title: 'Documents due for review',
        back: { href: '/library', text: 'Library' },
        columnClass: 'nhsuk-grid-column-full',
        due: due.map((d) => ({ ...d, label: versionLabel(d.version), dueText: formatDate(d.version.reviewDueOn!), kindLabel: kindLabel(d.doc.kind) })),
      });
    });
    app.get('/library/outstanding', { config: { permission: 'library.outstanding' } }, async (req, reply) => {
      const rows = await outstandingList(db, req.ctx);
      return reply.page('library/views/outstanding.njk', {
        title: 'Reading outstanding for more than three weeks',
        back: { href: '/library', text: 'Library' },
        columnClass: 'nhsuk-grid-column-full',
        rows: rows.map((r) => ({ ...r, askedText: formatDate(londonDate(r.askedAt)), roleLabel: ROLE_LABELS[r.role as Role] ?? r.role })),
      });
    });
  };
