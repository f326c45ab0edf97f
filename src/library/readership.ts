/**
 * The readership report of a document: for one major version (the one in force unless another is asked
 * for), how many were asked, opened it and confirmed it, the knowledge check's results, by organisation,
 * role and unit, over time (an SVG chart beside a table of the same figures), the circulations and the team
 * discussions; and the same as CSV. Counts only, for the partnership's authors and auditors; every reading
 * of it is audited. Every figure is one grouped query, so twenty thousand readers cost what twenty do.
 */
import { stringify } from 'csv-stringify/sync';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { ROLE_LABELS, type RequestContext, type Role } from '../platform/context';
import { rows as sqlRows } from '../platform/db/sql';
import { lineChartSvg } from '../platform/charts/svg';
import { addDays, londonDate } from '../platform/dates';
import { NotFoundError } from '../platform/errors';
import { directoryNames } from '../directory/service';
import { auditLibraryRead, requireDocument } from './access';
import { discussionsOf } from './circulation';
import { dayRange, percent, versionLabel } from './rules';
import { libraryCirculations, libraryVersions } from './schema';

interface Counts {
  asked: number;
  opened: number;
  acknowledged: number;
  correct: number;
  checked: number;
}

const pct = (c: Counts) => ({
  ...c,
  openedPct: percent(c.opened, c.asked),
  acknowledgedPct: percent(c.acknowledged, c.asked),
  correctPct: percent(c.correct, c.checked),
});

export async function readership(db: Db, ctx: RequestContext, documentId: string, opts: { major?: number; now?: Date } = {}) {
  const { doc } = await requireDocument(db, ctx, documentId, 'library.readership');
  const now = opts.now ?? new Date();
  const versions = await db
    .select()
    .from(libraryVersions)
    .where(
      and(
        eq(libraryVersions.documentId, doc.id),
        sql`${libraryVersions.status} in ('published', 'superseded', 'withdrawn')`,
        sql`${libraryVersions.publishedAt} is not null`,
      ),
    )
    .orderBy(desc(libraryVersions.major), desc(libraryVersions.minor));
  const majors = [...new Set(versions.map((v) => v.major))];
  const major = opts.major !== undefined && majors.includes(opts.major) ? opts.major : (versions.find((v) => v.status === 'published')?.major ?? majors[0]);
  if (major === undefined) throw new NotFoundError('Published version');
  const version = versions.find((v) => v.major === major)!;
  const questions = version.questions;
  // Asked: everyone asked to read this major version, including those whose task closed unread (a newer major version, a withdrawal).
  const base = sql`from library_reads r where r.document_id = ${doc.id}::uuid and r.major = ${major}`;
  const counts = sql`count(*)::int as asked, count(r.opened_at)::int as opened, count(r.acknowledged_at)::int as acknowledged,
    coalesce(sum(r.correct), 0)::int as correct, (count(r.acknowledged_at) * ${questions.length})::int as checked`;
  const grouped = (col: string) =>
    sqlRows<Counts & { key: string | null }>(db, sql`select ${sql.raw(col)}::text as key, ${counts} ${base} group by ${sql.raw(col)}`);
  const [totalRows, byOrg, byRole, byUnit] = await Promise.all([
    sqlRows<Counts>(db, sql`select ${counts} ${base}`),
    grouped('r.organisation_id'),
    grouped('r.role'),
    grouped('r.unit_id'),
  ]);
  const perQuestion = questions.length
    ? await sqlRows<{ i: number; right: number; answered: number }>(
        db,
        sql`select q.i::int as i, count(*) filter (where (r.answers ->> q.i)::int = (${JSON.stringify(questions.map((x) => x.correct))}::jsonb ->> q.i)::int)::int as right,
                   count(*)::int as answered
            from library_reads r cross join generate_series(0, ${questions.length - 1}) as q(i)
            where r.document_id = ${doc.id}::uuid and r.major = ${major} and r.acknowledged_at is not null and r.answers is not null
            group by q.i order by q.i`,
      )
    : [];
  const daily = await sqlRows<{ day: string; opened: number; acknowledged: number; asked: number }>(
    db,
    sql`select d.day::text as day,
          count(*) filter (where (r.asked_at at time zone 'Europe/London')::date = d.day)::int as asked,
          count(*) filter (where (r.opened_at at time zone 'Europe/London')::date = d.day)::int as opened,
          count(*) filter (where (r.acknowledged_at at time zone 'Europe/London')::date = d.day)::int as acknowledged
        from (select distinct (x at time zone 'Europe/London')::date as day
              from library_reads r2, lateral (values (r2.asked_at), (r2.opened_at), (r2.acknowledged_at)) v(x)
              where r2.document_id = ${doc.id}::uuid and r2.major = ${major} and x is not null) d
        join library_reads r on r.document_id = ${doc.id}::uuid and r.major = ${major}
        group by d.day order by d.day`,
  );
  const names = await directoryNames(db, {
    organisationIds: byOrg.flatMap((r) => (r.key ? [r.key] : [])),
    unitIds: byUnit.flatMap((r) => (r.key ? [r.key] : [])),
  });
  const total = pct(totalRows[0] ?? { asked: 0, opened: 0, acknowledged: 0, correct: 0, checked: 0 });
  const sortRows = <T extends { label: string; asked: number }>(xs: T[]) => xs.sort((a, b) => b.asked - a.asked || a.label.localeCompare(b.label));
  // Over time: cumulative by day, from the first circulation to today (every day, so the line has no jumps).
  const today = londonDate(now);
  const first = daily[0]?.day ?? today;
  const byDay = new Map(daily.map((d) => [d.day, d]));
  let asked = 0;
  let opened = 0;
  let acknowledged = 0;
  // At most the last 400 days are drawn; what happened before them starts the running totals.
  const start = [first, addDays(today, -399)].sort().at(-1)!;
  for (const d of daily)
    if (d.day < start) {
      asked += d.asked;
      opened += d.opened;
      acknowledged += d.acknowledged;
    }
  const overTime = dayRange(start, today).map((day) => {
    const d = byDay.get(day);
    asked += d?.asked ?? 0;
    opened += d?.opened ?? 0;
    acknowledged += d?.acknowledged ?? 0;
    return { day, asked, opened, acknowledged };
  });
  const chart = overTime.length
    ? await lineChartSvg(
        overTime.flatMap((d) => [
          { date: d.day, value: d.acknowledged, series: 'Confirmed read' },
          { date: d.day, value: d.opened, series: 'Opened' },
        ]),
        {
          title: `Readership of ${doc.title} version ${major} over time`,
          description: `Line chart: of ${total.asked} people asked, ${total.opened} opened and ${total.acknowledged} confirmed reading by ${today}. The same figures are in the table below.`,
          yTitle: 'People',
        },
      )
    : null;
  const circulations = await db
    .select()
    .from(libraryCirculations)
    .where(eq(libraryCirculations.documentId, doc.id))
    .orderBy(asc(libraryCirculations.createdAt));
  await auditLibraryRead(db, ctx, 'library.readership.view', 'LibraryDocument', doc.id, { major });
  return {
    doc,
    version,
    versionLabel: versionLabel(version),
    major,
    majors,
    questions: questions.map((q, i) => {
      const r = perQuestion.find((p) => Number(p.i) === i);
      return { text: q.text, right: r?.right ?? 0, answered: r?.answered ?? 0, pct: percent(r?.right ?? 0, r?.answered ?? 0) };
    }),
    total,
    byOrganisation: sortRows(byOrg.map((r) => ({ ...pct(r), label: (r.key && names.get(r.key)) || 'Unknown' }))),
    byRole: sortRows(byRole.map((r) => ({ ...pct(r), label: ROLE_LABELS[r.key as Role] ?? r.key ?? 'Unknown' }))),
    byUnit: sortRows(byUnit.map((r) => ({ ...pct(r), label: r.key ? (names.get(r.key) ?? 'Unknown') : 'No unit' }))),
    overTime: overTime.filter((d, i) => i === overTime.length - 1 || byDay.has(d.day)),
    chart,
    circulations: circulations.map((c) => ({
      ...c,
      versionLabel: versions.find((v) => v.id === c.versionId) ? versionLabel(versions.find((v) => v.id === c.versionId)!) : '',
    })),
    discussions: await discussionsOf(db, doc.id),
  };
}

/** A cell safe to open in a spreadsheet: one starting like a formula is kept as text. */
const cell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
};

/** The readership report as CSV: one row per organisation, role and unit, with the totals. */
export async function readershipCsv(db: Db, ctx: RequestContext, documentId: string, opts: { major?: number } = {}): Promise<string> {
  const r = await readership(db, ctx, documentId, opts);
  const line = (group: string, x: { label: string } & ReturnType<typeof pct>) => [
    group,
    x.label,
    x.asked,
    x.opened,
    x.acknowledged,
    x.acknowledgedPct ?? '',
    r.questions.length ? x.correct : '',
    r.questions.length ? (x.correctPct ?? '') : '',
  ];
  const data = [
    ['Document', 'Version', 'Group', 'Name', 'Asked', 'Opened', 'Confirmed read', 'Confirmed %', 'Knowledge check answers right', 'Right %'],
    ...[
      line('All', { ...r.total, label: 'Everyone asked' }),
      ...r.byOrganisation.map((x) => line('Organisation', x)),
      ...r.byRole.map((x) => line('Role', x)),
      ...r.byUnit.map((x) => line('Unit', x)),
    ].map((l) => [r.doc.title, String(r.major), ...l]),
  ];
  return stringify(data.map((row) => row.map(cell)));
}
