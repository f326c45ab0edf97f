/**
 * The library's choke points: a document, a version and a person's reading are loaded, authorised and
 * (where they hold personal data) their reading audited here, and lists are narrowed with the same rules.
 * A document belongs to its partnership and every partnership it is shared with; a version that is not
 * published is for the document's authors, its named reviewers and auditors only, and to anyone else it
 * does not exist (404, so nobody learns what is being drafted).
 */
import { eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, authorizeList, can, type Action, type Resource } from '../platform/auth/policy';
import { sqlScope } from '../platform/auth/scope';
import { recordAuditNow } from '../platform/audit/service';
import { ForbiddenError, NotFoundError } from '../platform/errors';
import { isUuid, organisationsAreaIds } from '../directory/service';
import { PUBLIC_STATUSES, type VersionStatus } from './model';
import { libraryDocumentPartnerships, libraryDocuments, libraryReads, libraryVersions } from './schema';
import { uuidList } from '../platform/db/sql';

export type DocumentRow = typeof libraryDocuments.$inferSelect;
export type VersionRow = typeof libraryVersions.$inferSelect;
export type ReadRow = typeof libraryReads.$inferSelect;

/** The partnerships a document belongs to: its owner first, then those it is shared with. */
export async function documentGeographies(db: Db, doc: DocumentRow): Promise<string[]> {
  const shared = await db
    .select({ g: libraryDocumentPartnerships.geographyId })
    .from(libraryDocumentPartnerships)
    .where(eq(libraryDocumentPartnerships.documentId, doc.id));
  return [doc.geographyId, ...shared.map((s) => s.g).filter((g) => g !== doc.geographyId)];
}

/** The geographies of the actor's partnership area (empty for the system or someone signed out). */
export async function actorsArea(db: Db, ctx: RequestContext): Promise<Set<string>> {
  return new Set(ctx.actor ? await organisationsAreaIds(db, ctx.actor.organisationId) : []);
}

export async function documentResource(db: Db, ctx: RequestContext, doc: DocumentRow): Promise<Resource> {
  const area = await actorsArea(db, ctx);
  return { inActorsArea: (await documentGeographies(db, doc)).some((g) => area.has(g)) };
}

export async function loadDocument(db: Db, id: string, lock = false): Promise<DocumentRow> {
  if (!isUuid(id)) throw new NotFoundError('Document');
  const q = db.select().from(libraryDocuments).where(eq(libraryDocuments.id, id));
  const [doc] = lock ? await q.for('update') : await q;
  if (!doc) throw new NotFoundError('Document');
  return doc;
}

/**
 * A document, if this person may take `action` on it (every professional browses; authors of its
 * partnerships change it), with the policy resource it was judged on (for what else they may do).
 */
export async function requireDocument(
  db: Db,
  ctx: RequestContext,
  id: string,
  action: Action,
  opts: { lock?: boolean } = {},
): Promise<{ doc: DocumentRow; resource: Resource }> {
  const doc = await loadDocument(db, id, opts.lock);
  const resource = await documentResource(db, ctx, doc);
  authorizeContext(ctx, action, resource);
  return { doc, resource };
}

/** Whether a version may be read by anyone (published now or before). */
export const isPublicVersion = (v: Pick<VersionRow, 'status'>) => PUBLIC_STATUSES.includes(v.status as VersionStatus);

/**
 * A version (and its document), if this person may take `action` on it. Reading (`library.browse`) a
 * version that is not published needs `library.draft` (its authors, named reviewers, auditors); anyone
 * else is told it does not exist. A refused change of a version they may read is a 403.
 */
export async function requireVersion(
  db: Db,
  ctx: RequestContext,
  id: string,
  action: Action,
  opts: { lock?: boolean } = {},
): Promise<{ version: VersionRow; doc: DocumentRow; resource: Resource }> {
  if (!isUuid(id)) throw new NotFoundError('Document version');
  const q = db.select().from(libraryVersions).where(eq(libraryVersions.id, id));
  const [version] = opts.lock ? await q.for('update') : await q;
  if (!version) throw new NotFoundError('Document version');
  const doc = await loadDocument(db, version.documentId);
  const resource: Resource = { ...(await documentResource(db, ctx, doc)), reviewerUserIds: version.reviewerUserIds };
  const readAction: Action = isPublicVersion(version) ? 'library.browse' : 'library.draft';
  if (!can(ctx.actor, readAction, resource) && ctx.actor) throw new NotFoundError('Document version');
  authorizeContext(ctx, action === 'library.browse' ? readAction : action, resource);
  return { version, doc, resource };
}

/** A person's own reading task (only theirs: nobody acknowledges for someone else). */
export async function requireOwnRead(db: Db, ctx: RequestContext, id: string, opts: { lock?: boolean } = {}): Promise<ReadRow> {
  if (!isUuid(id)) throw new NotFoundError('Reading task');
  const q = db.select().from(libraryReads).where(eq(libraryReads.id, id));
  const [read] = opts.lock ? await q.for('update') : await q;
  if (!read) throw new NotFoundError('Reading task');
  if (!ctx.actor || read.userId !== ctx.actor.userId) {
    // Someone else's task: refused and audited like any refusal, without saying whose it is.
    if (ctx.actor) authorizeContext(ctx, 'library.read', { userId: read.userId });
    throw new ForbiddenError('library.read');
  }
  return read;
}

/** SQL: the document belongs to (or is shared with) one of these partnership areas. */
function documentInAreas(areaIds: readonly string[]): SQL {
  if (!areaIds.length) return sql`false`;
  const ids = uuidList(areaIds);
  return sql`(${libraryDocuments.geographyId} in (${ids}) or exists (select 1 from library_document_partnerships p where p.document_id = ${libraryDocuments.id} and p.geography_id in (${ids})))`;
}

/** Which documents' unpublished versions this person may see, as SQL on library_documents (null: none). */
export async function draftScope(db: Db, ctx: RequestContext): Promise<SQL | undefined> {
  const scope = authorizeList(ctx, 'library.draft');
  return sqlScope(
    scope,
    {
      inArea: async () => documentInAreas([...(await actorsArea(db, ctx))]),
      namedReviewer: () =>
        sql`exists (select 1 from library_versions v where v.document_id = ${libraryDocuments.id} and v.reviewer_user_ids @> ${JSON.stringify([ctx.actor?.userId ?? ''])}::jsonb)`,
    },
    'library drafts',
  );
}

/** The documents whose readership this person may see (and the one `action` list, outstanding or readership). */
export async function readershipScope(db: Db, ctx: RequestContext): Promise<SQL | undefined> {
  const scope = authorizeList(ctx, 'library.readership');
  return sqlScope(scope, { inArea: async () => documentInAreas([...(await actorsArea(db, ctx))]) }, 'library readership');
}

/** The reading tasks on the outstanding list this person may see, as SQL on library_reads. */
export function outstandingScope(ctx: RequestContext): Promise<SQL | undefined> {
  const scope = authorizeList(ctx, 'library.outstanding');
  return sqlScope(
    scope,
    { ownOrganisation: () => eq(libraryReads.organisationId, ctx.actor?.organisationId ?? '00000000-0000-0000-0000-000000000000') },
    'outstanding reading',
  );
}

/** Record that someone read personal data of the library (a readership report, the outstanding list, a task). */
export async function auditLibraryRead(
  db: Db,
  ctx: RequestContext,
  action: string,
  entityType: string,
  entityId: string,
  detail: Record<string, unknown> = {},
) {
  await recordAuditNow(db, ctx, { action, verb: 'R', entityType, entityId, detail });
}
