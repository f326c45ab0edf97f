/**
 * What every case page shares: the case header and section navigation, and the form round-trip
 * (validate in the service; on a ValidationError show the same page again, 400, with the error summary
 * and the values as typed; on success redirect with a banner).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../platform/db/engine';
import { type FormErrors, handleForm } from '../platform/http/forms';
import { formatDate, londonDate } from '../platform/dates';
import { gestationAt } from '../alerts/pregnancy';
import { caseHeader } from './service';
import { CLASSIFICATION_LABELS, type CaseClassification } from './protocol';

export type CaseSection = 'summary' | 'details' | 'milestones' | 'labour' | 'birth-plan' | 'discharge' | 'escalations' | 'chronology';

const SECTIONS: { key: CaseSection; text: string; path: string }[] = [
  { key: 'summary', text: 'Summary', path: '' },
  { key: 'details', text: 'Identity details', path: '/details' },
  { key: 'milestones', text: 'Milestones', path: '/milestones' },
  { key: 'labour', text: 'Unbooked in labour', path: '/labour' },
  { key: 'birth-plan', text: 'Birth plan', path: '/birth-plan' },
  { key: 'discharge', text: 'Discharge', path: '/discharge' },
  { key: 'escalations', text: 'Escalations', path: '/escalations' },
  { key: 'chronology', text: 'Chronology', path: '/chronology' },
];

export type CaseHeader = Awaited<ReturnType<typeof caseHeader>>;

/** The data `cases/views/_case.njk` needs: who, what kind, gestation today, the section links. */
export function caseFrame(header: CaseHeader, section: CaseSection, now = new Date()) {
  const { kase } = header;
  const gestation = kase.edd && !kase.bornAt ? gestationAt(kase.edd, now) : null;
  return {
    case: {
      id: kase.id,
      reference: kase.reference,
      displayName: kase.displayName,
      classification: kase.classification,
      classificationLabel: CLASSIFICATION_LABELS[kase.classification as CaseClassification] ?? kase.classification,
      status: kase.status,
      closed: kase.status !== 'open',
      closedReason: kase.closedReason,
      edd: kase.edd ? formatDate(kase.edd) : null,
      eddIso: kase.edd,
      bornAt: kase.bornAt,
      areaName: header.areaName,
      today: londonDate(now),
    },
    gestation,
    canUpdate: header.canUpdate,
    openPromptCount: header.openPromptCount,
    sections: SECTIONS.map((s) => ({ ...s, href: `/cases/${kase.id}${s.path}`, current: s.key === section })),
    section,
  };
}

/** Render a case page: the frame plus the page's own data. */
export async function renderCasePage(
  db: Db,
  req: FastifyRequest,
  reply: FastifyReply,
  opts: {
    caseId: string;
    section: CaseSection;
    template: string;
    title: string;
    audit: string;
    status?: number;
    data?: (header: CaseHeader) => Promise<Record<string, unknown>> | Record<string, unknown>;
  },
) {
  const header = await caseHeader(db, req.ctx, opts.caseId, opts.audit);
  const data = opts.data ? await opts.data(header) : {};
  return reply.code(opts.status ?? 200).page(opts.template, {
    title: `${opts.title} – ${header.kase.reference}`,
    pageTitle: opts.title,
    ...caseFrame(header, opts.section),
    done: req.banner(),
    ...data,
  });
}

/**
 * A case page that holds several forms and shows a failed one again in place: the renderer takes the
 * failed form's state (`active`, null on a plain GET) and its problems; with problems it answers 400 and
 * passes `errors` on for the error summary.
 */
export function formsPage<Active>(
  db: Db,
  opts: {
    section: CaseSection;
    template: string;
    title: string;
    audit: string;
    data: (req: FastifyRequest, header: CaseHeader, active: Active | null) => Promise<Record<string, unknown>>;
  },
) {
  return (req: FastifyRequest, reply: FastifyReply, caseId: string, active: Active | null = null, errors?: FormErrors) =>
    renderCasePage(db, req, reply, {
      caseId,
      section: opts.section,
      template: opts.template,
      title: opts.title,
      audit: opts.audit,
      ...(errors ? { status: 400 } : {}),
      data: async (header) => ({ ...(await opts.data(req, header, active)), ...(errors ? { errors } : {}) }),
    });
}

/** The one form round trip, for case pages (see platform/http/forms.ts). */
export const handleCaseForm = handleForm;

/**
 * A date and time from the NHS date input (name.day, name.month, name.year) plus a time field
 * (name.time, HH:MM, 24-hour), as an ISO instant in Europe/London; '' when all are empty; something
 * unparseable (which the service's schema then rejects with its message) when they are not a real time.
 */
export function dateTimeFromParts(values: Record<string, string>, name: string): string {
  const d = (values[`${name}.day`] ?? '').trim();
  const m = (values[`${name}.month`] ?? '').trim();
  const y = (values[`${name}.year`] ?? '').trim();
  const t = (values[`${name}.time`] ?? '').trim();
  if (!d && !m && !y && !t) return '';
  if (![d, m, y].every((p) => /^\d+$/.test(p))) return 'invalid';
  const time = /^(\d{1,2})[:.](\d{2})$/.exec(t || '00:00');
  if (!time || Number(time[1]) > 23 || Number(time[2]) > 59) return 'invalid';
  const iso = `${y.padStart(4, '0')}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  const probe = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(probe.getTime()) || probe.toISOString().slice(0, 10) !== iso) return 'invalid';
  return londonWallClockToInstant(iso, Number(time[1]), Number(time[2])).toISOString();
}

/** A wall-clock time in London as an instant (BST or GMT as it was on that day). */
export function londonWallClockToInstant(date: string, hour: number, minute: number): Date {
  const guess = new Date(`${date}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`);
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(guess);
  const h = Number(parts.find((p) => p.type === 'hour')!.value);
  const offsetHours = (h - hour + 24) % 24; // 0 in GMT, 1 in BST
  return new Date(guess.getTime() - offsetHours * 3_600_000);
}

/** The parts of an instant for the date + time inputs, in London time. */
export function partsOfInstant(value: Date | string | null | undefined): { day: string; month: string; year: string; time: string } {
  if (!value) return { day: '', month: '', year: '', time: '' };
  const d = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return { day: '', month: '', year: '', time: '' };
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      day: 'numeric',
      month: 'numeric',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return { day: p.day ?? '', month: p.month ?? '', year: p.year ?? '', time: `${p.hour}:${p.minute}` };
}

/** The date + time inputs of `name` as typed, to show a form again after an error; all blank without values. */
export function partsAsTyped(values: Record<string, string> | undefined, name: string): { day: string; month: string; year: string; time: string } {
  return {
    day: values?.[`${name}.day`] ?? '',
    month: values?.[`${name}.month`] ?? '',
    year: values?.[`${name}.year`] ?? '',
    time: values?.[`${name}.time`] ?? '',
  };
}
