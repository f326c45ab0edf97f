/**
 * Circulation and reading: a published version is sent to an audience (agencies, roles, units or everyone
 * in the document's partnerships); each person gets one reading task and one email, made by the database
 * in one statement with the circulation (twenty thousand people in a second or two). They open it, answer
 * the knowledge check and confirm "I have read and understood this". A team records that it discussed the
 * briefing. People still not done a week after the last reminder are on their organisation lead's list.
 */
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { ROLE_LABELS, ROLES, type RequestContext, type Role } from '../platform/context';
import { authorizeList } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { users } from '../platform/auth/schema';
import { enqueueSelect } from '../platform/jobs/queue';
import { ConflictError, parseInput, ValidationError, zodFieldErrors } from '../platform/errors';
import { londonDate } from '../platform/dates';
import { directoryNames, organisationsIn, partnershipAreaIds, unitsOf } from '../directory/service';
import { audienceSql } from '../people/service';
import {
  auditLibraryRead,
  documentGeographies,
  isPublicVersion,
  outstandingScope,
  requireOwnRead,
  requireVersion,
  type DocumentRow,
  type VersionRow,
} from './access';
import { acknowledgeSchema, circulateSchema, discussionSchema } from './model';
import { markAnswers, outstandingAfterDays, renderMarkdown, versionLabel } from './rules';
import { type Audience, libraryCirculations, libraryDiscussions, libraryDocuments, libraryReads, libraryVersions } from './schema';
import { LIBRARY_EMAIL_JOB } from './notices';

const actorName = (ctx: RequestContext) => ctx.actor?.displayName ?? ctx.system ?? 'system';

/** The organisations of a document's partnerships: everyone who may be asked to read it. */
export async function audienceOrganisations(db: Db, doc: DocumentRow) {
  const areas = new Set<string>();
  for (const g of await documentGeographies(db, doc)) for (const a of await partnershipAreaIds(db, g)) areas.add(a);
  return organisationsIn(db, [...areas]);
}

/** What an author may choose from when circulating: the partnerships' organisations, their units, and the roles. */
export async function audienceChoices(db: Db, ctx: RequestContext, versionId: string) {
  const { doc, version } = await requireVersion(db, ctx, versionId, 'library.author');
  const organisations = await audienceOrganisations(db, doc);
  const units = await unitsOf(
    db,
    organisations.map((o) => o.id),
  );
  return { doc, version, organisations, units, roles: ROLES.filter((r) => r !== 'system_admin').map((r) => ({ value: r, text: ROLE_LABELS[r] })) };
}

/** The reading tasks and emails for people in `people` (a query of user_id, organisation_id, role, unit_id), in one statement. */
async function askToRead(tx: Db, doc: DocumentRow, version: VersionRow, circulationId: string, people: ReturnType<typeof sql>, now: Date): Promise<number> {
  return enqueueSelect(
    tx,
    LIBRARY_EMAIL_JOB,
    sql`select jsonb_build_object('kind', 'read_request', 'userId', ins.user_id, 'versionId', ${version.id}::text, 'readId', ins.id) as payload,
               'library:read_request:' || ${version.id}::text || ':' || ins.user_id::text || ':' as idempotency_key
        from ins`,
    {
      with: sql`ins AS (
        INSERT INTO library_reads (document_id, version_id, major, circulation_id, user_id, organisation_id, role, unit_id, asked_at)
        SELECT ${doc.id}::uuid, ${version.id}::uuid, ${version.major}, ${circulationId}::uuid, a.user_id, a.organisation_id, a.role, a.unit_id, ${now.toISOString()}::timestamptz
        FROM (${people}) a
        ON CONFLICT (document_id, major, user_id) DO NOTHING
        RETURNING id, user_id)`,
    },
  );
}

/**
 * Circulate a published version to an audience. Anyone in it already asked to read this major version is
 * not asked again. Only the published version of a document in force can be circulated.
 */
export async function circulate(db: Db, ctx: RequestContext, versionId: string, raw: unknown, now = new Date()): Promise<{ id: string; people: number }> {
  const { version, doc } = await requireVersion(db, ctx, versionId, 'library.author');
  const input = parseInput(circulateSchema, raw);
  if (version.status !== 'published' || doc.status !== 'active')
    throw new ConflictError(
      `Version ${versionLabel(version)} is ${version.status.replace('_', ' ')}: only the published version of a document in force can be circulated.`,
    );
  const organisations = await audienceOrganisations(db, doc);
  const known = new Map(organisations.map((o) => [o.id, o.name]));
  const fieldErrors: Record<string, string> = {};
  if (input.organisationIds.some((id) => !known.has(id))) fieldErrors.organisationIds = 'Choose agencies of the partnerships that share this document';
  const orgIds = input.everyone || !input.organisationIds.length ? [...known.keys()] : input.organisationIds;
  const roles = input.everyone ? [] : input.roles;
  if (roles.some((r) => !(ROLES as readonly string[]).includes(r))) fieldErrors.roles = 'Choose roles from the list';
  const units = input.everyone ? [] : input.unitIds;
  const unitRows = await unitsOf(db, orgIds);
  if (units.some((u) => !unitRows.some((r) => r.id === u))) fieldErrors.unitIds = 'Choose units of the agencies chosen';
  if (Object.keys(fieldErrors).length) throw new ValidationError(fieldErrors);
  const audience: Audience = { everyone: input.everyone, organisationIds: input.everyone ? [] : input.organisationIds, roles, unitIds: units };
  const label = input.everyone
    ? 'Everyone in the partnerships'
    : [
        input.organisationIds.length ? input.organisationIds.map((id) => known.get(id)).join(', ') : 'Every agency',
        roles.length ? roles.map((r) => ROLE_LABELS[r as Role]).join(', ') : null,
        units.length ? units.map((u) => unitRows.find((r) => r.id === u)?.name).join(', ') : null,
      ]
        .filter(Boolean)
        .join(' — ');
  return db.transaction(async (tx) => {
    const [c] = await tx
      .insert(libraryCirculations)
      .values({
        documentId: doc.id,
        versionId: version.id,
        audience,
        audienceLabel: label,
        people: 0,
        byUserId: ctx.actor?.userId ?? null,
        byName: actorName(ctx),
        reminderDays: input.reminderDays,
        createdAt: now,
      })
      .returning({ id: libraryCirculations.id });
    const people = await askToRead(tx, doc, version, c!.id, audienceSql({ organisationIds: orgIds, roles, unitIds: units }), now);
    await tx.update(libraryCirculations).set({ people }).where(eq(libraryCirculations.id, c!.id));
    await recordAudit(tx, ctx, {
      action: 'library.circulate',
      verb: 'C',
      entityType: 'LibraryVersion',
      entityId: version.id,
      detail: { documentId: doc.id, circulationId: c!.id, audience, people },
    });
    return { id: c!.id, people };
  });
}

/**
 * A new major version changes practice: everyone asked to read the previous one (done or not) is asked
 * again, where they were then, and their open tasks for the old version are closed. In the caller's transaction.
 */
export async function recirculate(tx: Db, ctx: RequestContext, doc: DocumentRow, previous: VersionRow, next: VersionRow, now: Date): Promise<number> {
  const [last] = await tx
    .select()
    .from(libraryCirculations)
    .where(eq(libraryCirculations.documentId, doc.id))
    .orderBy(desc(libraryCirculations.createdAt))
    .limit(1);
  if (!last) return 0;
  const [c] = await tx
    .insert(libraryCirculations)
    .values({
      documentId: doc.id,
      versionId: next.id,
      audience: last.audience,
      audienceLabel: `Everyone asked to read version ${previous.major}, asked again: version ${versionLabel(next)} changes practice`,
      people: 0,
      byUserId: ctx.actor?.userId ?? null,
      byName: actorName(ctx),
      reminderDays: last.reminderDays,
      createdAt: now,
    })
    .returning({ id: libraryCirculations.id });
  const people = await askToRead(
    tx,
    doc,
    next,
    c!.id,
    sql`select r.user_id, r.organisation_id, r.role, r.unit_id from library_reads r join users u on u.id = r.user_id
        where r.document_id = ${doc.id}::uuid and r.major = ${previous.major} and u.active`,
    now,
  );
  await tx.update(libraryCirculations).set({ people }).where(eq(libraryCirculations.id, c!.id));
  await tx
    .update(libraryReads)
    .set({ closedAt: now })
    .where(
      and(eq(libraryReads.documentId, doc.id), eq(libraryReads.major, previous.major), isNull(libraryReads.acknowledgedAt), isNull(libraryReads.closedAt)),
    );
  return people;
}

/** This person's reading: what they are asked to read (oldest first), then what they have done. */
export async function myReading(db: Db, ctx: RequestContext) {
  authorizeList(ctx, 'library.browse');
  const rows = await db
    .select({ read: libraryReads, title: libraryDocuments.title, kind: libraryDocuments.kind, major: libraryVersions.major, minor: libraryVersions.minor })
    .from(libraryReads)
    .innerJoin(libraryDocuments, eq(libraryDocuments.id, libraryReads.documentId))
    .innerJoin(libraryVersions, eq(libraryVersions.id, libraryReads.versionId))
    .where(eq(libraryReads.userId, ctx.actor?.userId ?? '00000000-0000-0000-0000-000000000000'))
    .orderBy(asc(libraryReads.askedAt));
  return {
    open: rows.filter((r) => !r.read.acknowledgedAt && !r.read.closedAt),
    done: rows.filter((r) => r.read.acknowledgedAt).reverse(),
  };
}

/** How many documents a person is asked to read and has not yet confirmed (the Library menu's count). */
export async function openReadingCount(db: Db, ctx: RequestContext): Promise<number> {
  const actor = ctx.actor;
  if (!actor) return 0;
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(libraryReads)
    .where(and(eq(libraryReads.userId, actor.userId), isNull(libraryReads.acknowledgedAt), isNull(libraryReads.closedAt)));
  return Number(r?.n ?? 0);
}

/** Open one's own reading task: the version to read and the questions (never their answers). The first opening is recorded. */
export async function openTask(db: Db, ctx: RequestContext, readId: string, now = new Date()) {
  const read = await requireOwnRead(db, ctx, readId);
  const { version, doc } = await requireVersion(db, ctx, read.versionId, 'library.browse');
  if (!read.openedAt)
    await db.transaction(async (tx) => {
      await tx
        .update(libraryReads)
        .set({ openedAt: now })
        .where(and(eq(libraryReads.id, read.id), isNull(libraryReads.openedAt)));
      await recordAudit(tx, ctx, { action: 'library.read.open', verb: 'U', entityType: 'LibraryRead', entityId: read.id, detail: { versionId: version.id } });
    });
  return {
    read: { ...read, openedAt: read.openedAt ?? now },
    doc,
    version,
    html: renderMarkdown(version.body),
    questions: version.questions.map((q) => ({ text: q.text, options: q.options })),
  };
}

/** Answers from a form (answer1…answer3, each the option's number from 1) or the API (an array of indexes from 0). */
function answersOf(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const f = raw as Record<string, unknown>;
  if (Array.isArray(f.answers)) return f;
  const answers: number[] = [];
  for (let i = 1; i <= 3; i++) {
    const v = f[`answer${i}`];
    if (v === undefined || v === '') break;
    const n = Number(v);
    answers.push(Number.isInteger(n) && n > 0 ? n - 1 : -1);
  }
  return { ...f, answers };
}

/** "I have read and understood this", after the knowledge check (every question answered; the answers kept). */
export async function acknowledge(
  db: Db,
  ctx: RequestContext,
  readId: string,
  raw: unknown,
  now = new Date(),
): Promise<{ correct: number; questions: number }> {
  const read = await requireOwnRead(db, ctx, readId);
  const { version } = await requireVersion(db, ctx, read.versionId, 'library.browse');
  // Every problem at once: each question not answered, and the box not ticked.
  const sent = answersOf(raw);
  const parsed = acknowledgeSchema.safeParse(sent);
  const given = (sent as { answers?: unknown } | null)?.answers;
  const marked = markAnswers(version.questions, Array.isArray(given) ? given.map(Number) : []);
  const problems = { ...('problems' in marked ? marked.problems : {}), ...(parsed.success ? {} : zodFieldErrors(parsed.error.issues)) };
  if (!parsed.success || 'problems' in marked) throw new ValidationError(problems);
  const input = parsed.data;
  return db.transaction(async (tx) => {
    const [locked] = await tx.select().from(libraryReads).where(eq(libraryReads.id, read.id)).for('update');
    if (locked!.acknowledgedAt) throw new ConflictError('You have already confirmed that you have read and understood this version.');
    if (locked!.closedAt) throw new ConflictError('You are no longer asked to read this version: a newer one has replaced it, or it was withdrawn.');
    await tx
      .update(libraryReads)
      .set({ acknowledgedAt: now, openedAt: locked!.openedAt ?? now, answers: input.answers.slice(0, version.questions.length), correct: marked.correct })
      .where(eq(libraryReads.id, read.id));
    await recordAudit(tx, ctx, {
      action: 'library.read.acknowledge',
      verb: 'U',
      entityType: 'LibraryRead',
      entityId: read.id,
      detail: { versionId: version.id, correct: marked.correct, questions: version.questions.length },
    });
    return { correct: marked.correct, questions: version.questions.length };
  });
}

/** A team records that it discussed a published version at a meeting (for the actor's own organisation). */
export async function recordDiscussion(db: Db, ctx: RequestContext, versionId: string, raw: unknown): Promise<{ id: string }> {
  const { version, doc } = await requireVersion(db, ctx, versionId, 'library.discuss');
  const input = parseInput(discussionSchema, raw);
  if (!isPublicVersion(version)) throw new ConflictError('Only a published version can be recorded as discussed.');
  if (input.heldOn > londonDate(new Date())) throw new ValidationError({ heldOn: 'The date of the meeting must be today or in the past' });
  if (!ctx.actor) throw new ConflictError('A discussion is recorded by a person for their organisation.');
  return db.transaction(async (tx) => {
    const [d] = await tx
      .insert(libraryDiscussions)
      .values({
        documentId: doc.id,
        versionId: version.id,
        organisationId: ctx.actor!.organisationId,
        team: input.team,
        heldOn: input.heldOn,
        present: input.present,
        notes: input.notes,
        byUserId: ctx.actor!.userId,
        byName: ctx.actor!.displayName,
      })
      .returning({ id: libraryDiscussions.id });
    await recordAudit(tx, ctx, {
      action: 'library.discussion.record',
      verb: 'C',
      entityType: 'LibraryVersion',
      entityId: version.id,
      detail: { discussionId: d!.id, present: input.present },
    });
    return { id: d!.id };
  });
}

/** The discussions recorded for a document, newest first, with the organisation's name. */
export async function discussionsOf(db: Db, documentId: string) {
  const rows = await db
    .select({ d: libraryDiscussions, major: libraryVersions.major, minor: libraryVersions.minor })
    .from(libraryDiscussions)
    .innerJoin(libraryVersions, eq(libraryVersions.id, libraryDiscussions.versionId))
    .where(eq(libraryDiscussions.documentId, documentId))
    .orderBy(desc(libraryDiscussions.heldOn));
  const names = await directoryNames(db, { organisationIds: rows.map((r) => r.d.organisationId) });
  return rows.map((r) => ({ ...r.d, version: `${r.major}.${r.minor}`, organisationName: names.get(r.d.organisationId) ?? '' }));
}

/**
 * The outstanding list: people asked to read something who have not confirmed a week after their last
 * reminder (21 days by default), for their own organisation's safeguarding lead. Names people: audited.
 */
export async function outstandingList(db: Db, ctx: RequestContext, now = new Date()) {
  const scope = await outstandingScope(ctx);
  const rows = await db
    .select({
      id: libraryReads.id,
      userId: libraryReads.userId,
      name: users.displayName,
      email: users.email,
      organisationId: libraryReads.organisationId,
      role: libraryReads.role,
      unitId: libraryReads.unitId,
      askedAt: libraryReads.askedAt,
      openedAt: libraryReads.openedAt,
      remindersSent: libraryReads.remindersSent,
      reminderDays: libraryCirculations.reminderDays,
      documentId: libraryDocuments.id,
      title: libraryDocuments.title,
      major: libraryVersions.major,
      minor: libraryVersions.minor,
    })
    .from(libraryReads)
    .innerJoin(users, eq(users.id, libraryReads.userId))
    .innerJoin(libraryCirculations, eq(libraryCirculations.id, libraryReads.circulationId))
    .innerJoin(libraryDocuments, eq(libraryDocuments.id, libraryReads.documentId))
    .innerJoin(libraryVersions, eq(libraryVersions.id, libraryReads.versionId))
    .where(and(isNull(libraryReads.acknowledgedAt), isNull(libraryReads.closedAt), eq(users.active, true), scope))
    .orderBy(asc(libraryReads.askedAt));
  const due = rows.filter((r) => now.getTime() - r.askedAt.getTime() >= outstandingAfterDays(r.reminderDays) * 86_400_000);
  const names = await directoryNames(db, { organisationIds: due.map((r) => r.organisationId), unitIds: due.flatMap((r) => (r.unitId ? [r.unitId] : [])) });
  await auditLibraryRead(db, ctx, 'library.outstanding.view', 'LibraryReads', ctx.actor?.organisationId ?? 'all', { people: due.length });
  return due.map((r) => ({
    ...r,
    organisationName: names.get(r.organisationId) ?? '',
    unitName: r.unitId ? (names.get(r.unitId) ?? '') : '',
    roleLabel: ROLE_LABELS[r.role as Role] ?? r.role,
    days: Math.floor((now.getTime() - r.askedAt.getTime()) / 86_400_000),
  }));
}
