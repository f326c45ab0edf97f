import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { can, mayAtAll } from '../platform/auth/policy';
import { ROLE_LABELS, type Actor } from '../platform/context';
import { ValidationError } from '../platform/errors';
import { formValues, handleForm } from '../platform/http/forms';
import { formatDateTime } from '../platform/http/views';
import { listOrganisations } from '../directory/service';
import { UNIT_TYPE_LABELS } from '../directory/model';
import { acknowledge, approve, cancel, getAlert, renew, returnForChanges, standDown, updateAlert } from './service';
import { BABY_SEX_LABELS, BABY_SEXES, type BabySex, recordBirth } from './birth';
import { approvalQueue, mostOverdueFirst, unitInbox } from './lists';
import { getPhotograph } from './photographs';
import { formatNhsNumber } from '../identity/matching/nhs-number';
import { ALERT_STATUS_LABELS, STAND_DOWN_OUTCOME_LABELS, STAND_DOWN_OUTCOMES, maxRenewalDate, type AlertEventType, type AlertStatus } from './lifecycle';
import { effectiveReviewDate, type AlertContent } from './model';
import { formatDate, gestationAt, isIsoDate } from './pregnancy';
import { diffAlertContent } from './version-diff';
import { applyAllSteps, type FormBody, formAction, idFor, type ListPath, removeRow, STEPS, dateFromParts, datePartsOf } from './form';
import { summarise, type SummaryLookups } from './summary';
import { formView, type Lookups } from './form-view';

import {
  type Detail,
  DRAFTING,
  EVENT_PAST,
  KIND_LABELS,
  ACCESS_LABELS,
  DONE_BANNERS,
  gestationToday,
  one,
  q,
  idParam,
  pageErrors,
  registerPhotoUploads,
  routeSupport,
} from './route-support';

export const alertRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const { config } = deps;
    const { lookups, caption, returnComments, reviewHint } = routeSupport(deps);
    await registerPhotoUploads(app);

    // ── Lists: approvals, inbox ─────────────────────────────────────────────────────────────────────

    app.get('/alerts/approvals', { config: { permission: 'alert.approve' } }, async (req, reply) => {
      const rows = await approvalQueue(db, req.ctx);
      return reply.page('alerts/views/approvals.njk', {
        title: 'Alerts to approve',
        alerts: rows.map((a) => ({ ...a, gestation: gestationToday(a.edd) })),
        isApprover: mayAtAll(req.ctx.actor, 'alert.approve'),
        columnClass: 'nhsuk-grid-column-full',
      });
    });

    /** Acknowledged deliveries shown before "show all". */
    const INBOX_HISTORY = 20;

    async function renderInbox(
      req: FastifyRequest,
      reply: FastifyReply,
      status = 200,
      fail: { deliveryId: string; errors: Record<string, string>; note: string } | null = null,
    ) {
      const { unit, items } = await unitInbox(db, req.ctx);
      const shaped = items.map((i) => ({
        ...i,
        kindLabel: KIND_LABELS[i.kind] ?? i.kind,
        statusLabel: ALERT_STATUS_LABELS[i.status as AlertStatus] ?? i.status,
      }));
      const waiting = mostOverdueFirst(shaped.filter((i) => !i.acknowledgedAt));
      const done = shaped.filter((i) => i.acknowledgedAt);
      const allHistory = (req.query as Record<string, string | undefined>).history === 'all';
      return reply.code(status).page('alerts/views/inbox.njk', {
        title: "Your unit's alert inbox",
        unit,
        waiting,
        counts: {
          escalated: waiting.filter((i) => i.escalatedAt).length,
          reminded: waiting.filter((i) => !i.escalatedAt && i.remindedAt).length,
          ready: waiting.filter((i) => i.opened).length,
        },
        done: allHistory ? done : done.slice(0, INBOX_HISTORY),
        doneTotal: done.length,
        allHistory,
        fail,
        errors: fail ? pageErrors(fail.errors, () => `note-${fail.deliveryId}`) : null,
        // Signed for this session (platform/http/banner.ts): a link cannot put its own words here.
        banner: req.banner(),
        columnClass: 'nhsuk-grid-column-full',
      });
    }

    app.get('/inbox', { config: { permission: 'alert.inbox' } }, async (req, reply) => renderInbox(req, reply));

    app.post('/inbox/:deliveryId/acknowledge', async (req, reply) => {
      const { deliveryId } = req.params as { deliveryId: string };
      const values = formValues(req.body);
      return handleForm(req, reply, {
        act: () => acknowledge(db, req.ctx, deliveryId, values.note?.trim() || null),
        next:
          values.alertId && /^[0-9a-f-]{36}$/i.test(values.alertId)
            ? `/alerts/${values.alertId}?done=acknowledged`
            : `/inbox?done=${encodeURIComponent(/^BCN-[0-9A-Z]{6}( version [0-9]{1,4})?$/.test(values.reference ?? '') ? `Acknowledged ${values.reference}` : 'Acknowledged')}`,
        rerender: (_values, _errors, fieldErrors) => renderInbox(req, reply, 400, { deliveryId, errors: fieldErrors, note: values.note ?? '' }),
      });
    });

    // ── The alert page ──────────────────────────────────────────────────────────────────────────────

    app.get('/alerts/:id', async (req, reply) => {
      const detail = await getAlert(db, req.ctx, idParam(req), 'view alert');
      const actor = req.ctx.actor!;
      const look = await lookups(req);
      const orgNames = new Map((await listOrganisations(db, req.ctx)).map((o) => [o.id, o.name]));
      return reply.page('alerts/views/alert.njk', {
        title: `Alert ${detail.alert.reference}`,
        ...alertPage(detail, actor, look, orgNames),
        banner: DONE_BANNERS[one(q(req).done)] ?? null,
        back: { href: backFor(actor), text: backTextFor(actor) },
        columnClass: 'nhsuk-grid-column-full',
      });
    });

    app.get('/alerts/:id/photos/:photoId', async (req, reply) => {
      const { id, photoId } = req.params as { id: string; photoId: string };
      const photo = await getPhotograph(db, req.ctx, config.encryptionKey, id, photoId);
      return reply.header('content-disposition', 'inline').type(photo.contentType).send(photo.data);
    });

    // ── Actions on an alert: a page each ────────────────────────────────────────────────────────────

    type ActionKind = 'approve' | 'return' | 'renew' | 'stand-down' | 'cancel';
    const ACTION_EVENT: Record<ActionKind, AlertEventType> = {
      approve: 'approve',
      return: 'return',
      renew: 'renew',
      'stand-down': 'stand_down',
      cancel: 'cancel',
    };
    const ACTION_TITLES: Record<ActionKind, string> = {
      approve: 'Approve and send this alert',
      return: 'Return this alert for changes',
      renew: 'Renew this alert',
      'stand-down': 'Stand down this alert',
      cancel: 'Cancel this alert',
    };
    /** The first field on each action page: where a problem that is not about one field links to. */
    const ACTION_FIRST_FIELD: Record<ActionKind, string> = {
      approve: 'comments',
      return: 'comments',
      renew: 'reviewDate-day',
      'stand-down': 'outcome',
      cancel: 'reason',
    };
    const ACTION_FIELDS: Record<ActionKind, Record<string, string>> = {
      approve: { comments: 'comments' },
      return: { comments: 'comments' },
      renew: { reviewDate: 'reviewDate-day', reason: 'reason' },
      'stand-down': { outcome: 'outcome', details: 'details' },
      cancel: { reason: 'reason' },
    };

    const permitted = (detail: Detail, event: AlertEventType) =>
      detail.allowed.includes(event) && (event === 'approve' || event === 'return' ? detail.canApprove : detail.canChange);

    async function renderAction(
      reply: FastifyReply,
      kind: ActionKind,
      detail: Detail,
      status = 200,
      values: Record<string, string> = {},
      fieldErrors: Record<string, string> = {},
    ) {
      const idOf = (p: string) => ACTION_FIELDS[kind][p] ?? ACTION_FIRST_FIELD[kind];
      // Problems not about a field on this page (a rule of the lifecycle, or the content) sit on the first field.
      const inline: Record<string, { text: string }> = {};
      for (const [p, text] of Object.entries(fieldErrors)) {
        const key = ACTION_FIELDS[kind][p] ? p : Object.keys(ACTION_FIELDS[kind])[0]!;
        inline[key] ??= { text };
      }
      const reviewParts =
        values['reviewDate.day'] !== undefined
          ? { day: values['reviewDate.day'] ?? '', month: values['reviewDate.month'] ?? '', year: values['reviewDate.year'] ?? '' }
          : datePartsOf('');
      const content = detail.content as Partial<AlertContent>;
      return reply.code(status).page('alerts/views/action.njk', {
        title: ACTION_TITLES[kind],
        caption: caption(detail),
        kind,
        alert: detail.alert,
        statusLabel: ALERT_STATUS_LABELS[detail.alert.status as AlertStatus],
        originator: detail.originator,
        reviewDate: detail.alert.reviewDate ? formatDate(detail.alert.reviewDate) : null,
        approvalReviewDate:
          kind === 'approve' && content?.pregnancy?.edd ? formatDate(effectiveReviewDate(content as AlertContent, config.alerts.reviewWeeksAfterEdd)) : null,
        latestRenewal: formatDate(maxRenewalDate(new Date())),
        values,
        reviewParts,
        outcomes: STAND_DOWN_OUTCOMES.map((o) => ({ value: o, text: STAND_DOWN_OUTCOME_LABELS[o], checked: values.outcome === o })),
        inline,
        errors: pageErrors(fieldErrors, idOf),
        back: { href: `/alerts/${detail.alert.id}` },
      });
    }

    for (const kind of Object.keys(ACTION_EVENT) as ActionKind[]) {
      app.get(`/alerts/:id/${kind}`, async (req, reply) => {
        const detail = await getAlert(db, req.ctx, idParam(req), `${ACTION_EVENT[kind].replace('_', ' ')} (opening the form)`);
        if (!permitted(detail, ACTION_EVENT[kind])) return reply.redirect(`/alerts/${detail.alert.id}`);
        return renderAction(reply, kind, detail);
      });

      app.post(`/alerts/:id/${kind}`, async (req, reply) => {
        const id = idParam(req);
        const done: Record<ActionKind, string> = { approve: 'approved', return: 'returned', renew: 'renewed', 'stand-down': 'stood-down', cancel: 'cancelled' };
        return handleForm(req, reply, {
          act: async (values) => {
            switch (kind) {
              case 'approve':
                await approve(db, req.ctx, id, config.alerts, values.comments?.trim() || null);
                break;
              case 'return':
                await returnForChanges(db, req.ctx, id, values.comments ?? '');
                break;
              case 'renew':
                await renew(
                  db,
                  req.ctx,
                  id,
                  dateFromParts(values['reviewDate.day'] ?? '', values['reviewDate.month'] ?? '', values['reviewDate.year'] ?? ''),
                  values.reason ?? '',
                );
                break;
              case 'stand-down':
                await standDown(db, req.ctx, id, values.outcome ?? '', values.details?.trim() || null);
                break;
              case 'cancel':
                await cancel(db, req.ctx, id, values.reason ?? '');
                break;
            }
          },
          next: `/alerts/${id}?done=${done[kind]}`,
          rerender: async (values, _errors, fieldErrors) => {
            const detail = await getAlert(db, req.ctx, id, `${ACTION_EVENT[kind].replace('_', ' ')} (correcting the form)`);
            return renderAction(reply, kind, detail, 400, values, fieldErrors);
          },
        });
      });
    }

    // ── Recording the baby's birth ───────────────────────────────────────────────────────────────────

    const BIRTH_FIELD_IDS: Record<string, string> = {
      babyGivenName: 'babyGivenName',
      babyFamilyName: 'babyFamilyName',
      dateOfBirth: 'dateOfBirth-day',
      nhsNumber: 'nhsNumber',
      sex: 'sex',
      placeOfBirthUnitId: 'placeOfBirthUnitId',
    };

    async function renderBirth(
      req: FastifyRequest,
      reply: FastifyReply,
      detail: Detail,
      status = 200,
      values: Record<string, string> = {},
      fieldErrors: Record<string, string> = {},
    ) {
      const b = detail.birth;
      const v = (k: string, fallback: string | null | undefined) => values[k] ?? fallback ?? '';
      const dobParts =
        values['dateOfBirth.day'] !== undefined
          ? { day: values['dateOfBirth.day'] ?? '', month: values['dateOfBirth.month'] ?? '', year: values['dateOfBirth.year'] ?? '' }
          : datePartsOf(b?.dateOfBirth ?? '');
      const sex = v('sex', b?.sex);
      const unitId = v('placeOfBirthUnitId', b?.placeOfBirthUnitId);
      const inline = Object.fromEntries(Object.entries(fieldErrors).map(([k, text]) => [BIRTH_FIELD_IDS[k] ? k : 'dateOfBirth', { text }]));
      const look = await lookups(req);
      return reply.code(status).page('alerts/views/birth.njk', {
        title: b ? 'Correct the birth details' : 'Record the birth',
        caption: caption(detail),
        alert: detail.alert,
        correcting: !!b,
        values: {
          babyGivenName: v('babyGivenName', b?.babyGivenName),
          babyFamilyName: v('babyFamilyName', b?.babyFamilyName),
          nhsNumber: v('nhsNumber', b?.nhsNumber),
        },
        dobParts,
        sexes: BABY_SEXES.map((s) => ({ value: s, text: BABY_SEX_LABELS[s], checked: sex === s })),
        units: [{ value: '', text: 'Not known or not in the list' }, ...look.units.map((u) => ({ value: u.id, text: u.label, selected: u.id === unitId }))],
        inline,
        errors: pageErrors(fieldErrors, (k) => BIRTH_FIELD_IDS[k] ?? 'dateOfBirth-day'),
        back: { href: `/alerts/${detail.alert.id}` },
      });
    }

    app.get('/alerts/:id/birth', async (req, reply) => {
      const detail = await getAlert(db, req.ctx, idParam(req), 'record the birth (opening the form)');
      if (!permitted(detail, 'update')) return reply.redirect(`/alerts/${detail.alert.id}`);
      return renderBirth(req, reply, detail);
    });

    app.post('/alerts/:id/birth', async (req, reply) => {
      const id = idParam(req);
      return handleForm(req, reply, {
        act: (values) =>
          recordBirth(db, req.ctx, id, {
            babyGivenName: values.babyGivenName ?? null,
            babyFamilyName: values.babyFamilyName ?? null,
            dateOfBirth: dateFromParts(values['dateOfBirth.day'] ?? '', values['dateOfBirth.month'] ?? '', values['dateOfBirth.year'] ?? ''),
            nhsNumber: values.nhsNumber ?? null,
            sex: values.sex ?? '',
            placeOfBirthUnitId: values.placeOfBirthUnitId || null,
          }),
        next: `/alerts/${id}?done=birth`,
        rerender: async (values, _errors, fieldErrors) => {
          const detail = await getAlert(db, req.ctx, id, 'record the birth (correcting the form)');
          return renderBirth(req, reply, detail, 400, values, fieldErrors);
        },
      });
    });

    // ── Updating an active alert: every section on one form, with a reason ──────────────────────────

    async function renderUpdate(
      req: FastifyRequest,
      reply: FastifyReply,
      detail: Detail,
      opts: { status?: number; content?: unknown; reason?: string; errors?: Record<string, string>; addRowTo?: ListPath | null } = {},
    ) {
      const content = opts.content ?? detail.content;
      const fieldErrors = opts.errors ?? {};
      return reply.code(opts.status ?? 200).page('alerts/views/update.njk', {
        title: `Update alert ${detail.alert.reference}`,
        caption: caption(detail),
        alert: detail.alert,
        steps: STEPS.filter((s) => s.slug !== 'photographs'),
        f: formView(content, await lookups(req), { errors: fieldErrors, addRowTo: opts.addRowTo ?? null }),
        reason: { id: 'reason', name: 'reason', value: opts.reason ?? '', error: fieldErrors.reason ? { text: fieldErrors.reason } : undefined },
        errors: pageErrors(fieldErrors, (p) => (p === 'reason' ? 'reason' : idFor(p, content))),
        reviewHint: reviewHint(content),
        back: { href: `/alerts/${detail.alert.id}` },
      });
    }

    app.get('/alerts/:id/update', async (req, reply) => {
      const detail = await getAlert(db, req.ctx, idParam(req), 'update (opening the form)');
      if (!permitted(detail, 'update')) return reply.redirect(`/alerts/${detail.alert.id}`);
      return renderUpdate(req, reply, detail);
    });

    app.post('/alerts/:id/update', async (req, reply) => {
      const detail = await getAlert(db, req.ctx, idParam(req), 'update (sending the form)');
      let body = (req.body ?? {}) as FormBody;
      const action = formAction(body);
      if (action.type === 'remove') body = removeRow(body, action.list, action.index);
      const content = applyAllSteps(detail.content, body);
      const reason = one(body.reason);
      if (action.type === 'add' || action.type === 'remove')
        return renderUpdate(req, reply, detail, { content, reason, addRowTo: action.type === 'add' ? action.list : null });
      try {
        await updateAlert(db, req.ctx, detail.alert.id, content, reason);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderUpdate(req, reply, detail, { status: 400, content, reason, errors: err.fieldErrors });
      }
      return reply.redirect(`/alerts/${detail.alert.id}?done=updated`);
    });

    // ── Helpers for the alert page ──────────────────────────────────────────────────────────────────

    function backFor(actor: Actor): string {
      if (can(actor, 'alert.list')) return '/alerts';
      if (can(actor, 'alert.inbox')) return '/inbox';
      return '/';
    }
    function backTextFor(actor: Actor): string {
      if (can(actor, 'alert.list')) return "Your organisation's alerts";
      if (can(actor, 'alert.inbox')) return "Your unit's inbox";
      return 'Home';
    }

    /**
     * Who has viewed the alert: one row a person, most recent first, with how often and why; those outside
     * the team that raised and approved it apart from those in it (the author's own drafting is not news).
     */
    function accessByPerson(detail: Detail, orgNames: Map<string, string>) {
      const people = new Map<
        string,
        { who: string; role: string | null; organisation: string | null; views: number; last: Date; purposes: string[]; team: boolean }
      >();
      for (const h of detail.accessHistory) {
        const key = h.actorUserId ?? h.actorName ?? 'unknown';
        const p = people.get(key);
        const why = h.reason?.trim();
        if (p) {
          p.views++;
          if (why && !p.purposes.includes(why) && p.purposes.length < 4) p.purposes.push(why);
          continue;
        }
        people.set(key, {
          who: h.actorName ?? 'Unknown',
          role: h.actorRole ? (ROLE_LABELS[h.actorRole as keyof typeof ROLE_LABELS] ?? h.actorRole) : null,
          organisation: h.actorOrganisationId ? (orgNames.get(h.actorOrganisationId) ?? null) : null,
          views: 1,
          last: h.recordedAt,
          purposes: why ? [why] : [],
          team: h.actorOrganisationId === detail.alert.originatorOrganisationId || (!!h.actorUserId && h.actorUserId === detail.alert.approverUserId),
        });
      }
      const all = [...people.values()];
      return { outside: all.filter((p) => !p.team), team: all.filter((p) => p.team) };
    }

    function alertPage(detail: Detail, actor: Actor, look: Lookups & SummaryLookups, orgNames: Map<string, string>) {
      const a = detail.alert;
      const content = detail.content as Partial<AlertContent>;
      const now = new Date();
      const edd = content?.pregnancy?.edd;
      const gestation = isIsoDate(edd) ? gestationAt(edd, now) : null;
      const diffOptions = { unitName: look.unitName, geographyName: look.geographyName };
      const ascending = [...detail.versions].sort((x, y) => x.version - y.version);
      const versions = ascending
        .map((v, i) => ({
          version: v.version,
          statusLabel: ALERT_STATUS_LABELS[v.status as AlertStatus] ?? v.status,
          createdAt: v.createdAt,
          changeReason: v.changeReason,
          first: i === 0,
          changes: i === 0 ? [] : diffAlertContent(ascending[i - 1]!.content as AlertContent, v.content as AlertContent, diffOptions),
        }))
        .reverse();
      const currentDeliveries = detail.deliveries.filter((d) => d.d.version === a.version);
      const grid = detail.deliveries.map((r) => ({
        unit: r.unitName,
        unitType: UNIT_TYPE_LABELS[r.unitType as keyof typeof UNIT_TYPE_LABELS] ?? r.unitType,
        organisation: r.organisationName,
        version: r.d.version,
        kind: KIND_LABELS[r.d.kind] ?? r.d.kind,
        sentAt: r.d.createdAt,
        acknowledgedAt: r.d.acknowledgedAt,
        acknowledgedBy: r.ackBy,
        note: r.d.acknowledgementNote,
        behind: r.d.version < a.version,
      }));
      const status = a.status as AlertStatus;
      const allow = (e: AlertEventType) => permitted(detail, e);
      const base = `/alerts/${a.id}`;
      const actions = [
        ...(DRAFTING.includes(status) && detail.canChange
          ? [{ href: `${base}/steps/${STEPS[0]!.slug}`, text: status === 'returned' ? 'Make the changes' : 'Continue the draft', primary: true }]
          : []),
        ...(allow('submit') ? [{ href: `${base}/check`, text: 'Check and submit for approval', primary: false }] : []),
        ...(allow('approve') ? [{ href: `${base}/approve`, text: 'Approve and send', primary: true }] : []),
        ...(allow('return') ? [{ href: `${base}/return`, text: 'Return for changes', primary: false }] : []),
        ...(allow('update') ? [{ href: `${base}/update`, text: 'Update the alert', primary: true }] : []),
        ...(allow('update') ? [{ href: `${base}/birth`, text: detail.birth ? 'Correct the birth' : 'Record the birth', primary: false }] : []),
        ...(allow('renew') ? [{ href: `${base}/renew`, text: 'Renew', primary: false }] : []),
        ...(allow('stand_down') ? [{ href: `${base}/stand-down`, text: 'Stand down', primary: false }] : []),
        ...(allow('cancel')
          ? [{ href: `${base}/cancel`, text: DRAFTING.includes(status) ? 'Cancel this draft' : 'Cancel the alert', primary: false, warning: true }]
          : []),
      ];
      const myUnitDeliveries = actor.unitId
        ? detail.allDeliveries
            .filter((r) => r.d.unitId === actor.unitId && !r.d.acknowledgedAt)
            .map((r) => ({ id: r.d.id, version: r.d.version, kind: KIND_LABELS[r.d.kind] ?? r.d.kind, sentAt: r.d.createdAt }))
        : [];
      return {
        alert: a,
        status,
        statusLabel: ALERT_STATUS_LABELS[status] ?? a.status,
        live: status === 'active',
        drafting: DRAFTING.includes(status),
        closed: ['stood_down', 'cancelled', 'expired', 'archived'].includes(status),
        risk: content?.risk ?? null,
        subjectName: [content?.subject?.name?.given, content?.subject?.name?.family].filter((s) => typeof s === 'string' && s.trim()).join(' ') || null,
        gestation,
        edd: isIsoDate(edd) ? formatDate(edd) : null,
        reviewDate: a.reviewDate ? formatDate(a.reviewDate) : null,
        birth: detail.birth
          ? {
              date: formatDate(detail.birth.dateOfBirth),
              name: [detail.birth.babyGivenName, detail.birth.babyFamilyName].filter(Boolean).join(' ') || null,
              nhsNumber: detail.birth.nhsNumber ? formatNhsNumber(detail.birth.nhsNumber) : null,
              sex: BABY_SEX_LABELS[detail.birth.sex as BabySex] ?? detail.birth.sex,
              place: detail.birth.placeOfBirth,
            }
          : null,
        purged: !!a.purgedAt,
        originator: detail.originator,
        // Photographs have their own section; the review date in force is in the control details.
        sections: summarise(detail.content, look).filter((s) => s.step.slug !== 'photographs' && s.step.slug !== 'review-date'),
        photos: detail.photos,
        grid,
        ackCount: currentDeliveries.filter((d) => d.d.acknowledgedAt).length,
        recipientCount: currentDeliveries.length,
        versions,
        events: detail.events.map((e) => ({
          ...e,
          label: EVENT_PAST[e.event] ?? e.event,
          organisation: e.byOrganisationId ? (orgNames.get(e.byOrganisationId) ?? null) : null,
        })),
        owner: detail.owner,
        accessByPerson: accessByPerson(detail, orgNames),
        accessHistory: detail.accessHistory.map((h) => ({
          at: h.recordedAt,
          who: h.actorName ?? 'Unknown',
          role: h.actorRole ? (ROLE_LABELS[h.actorRole as keyof typeof ROLE_LABELS] ?? h.actorRole) : null,
          organisation: h.actorOrganisationId ? (orgNames.get(h.actorOrganisationId) ?? null) : null,
          what: ACCESS_LABELS[h.action] ?? h.action,
          why: h.reason,
        })),
        actions,
        returnComments: returnComments(detail),
        myUnitDeliveries,
        formatDateTime,
      };
    }
  };
