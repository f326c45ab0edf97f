import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { recordAudit, recordAuditNow } from '../platform/audit/service';
import { NotFoundError, ValidationError } from '../platform/errors';
import { isUuid } from '../directory/service';
import { openPhotograph, processPhotograph, sealPhotograph } from '../platform/files/photographs';
import { alertPhotos } from './schema';
import { requireAlert } from './access';

const MAX_PHOTOS = 6;

// ── Photographs ──────────────────────────────────────────────────────────────────────────────────────

/** Add a photograph to a draft or returned alert: checked, cleaned, resized and encrypted before it is stored. */
export async function addPhotograph(db: Db, ctx: RequestContext, key: Buffer, alertId: string, upload: Buffer, caption: string | null): Promise<string> {
  const { alert: a } = await requireAlert(db, ctx, alertId, 'alert.change');
  if (a.status !== 'draft' && a.status !== 'returned')
    throw new ValidationError({ photo: 'Photographs can be added while the alert is a draft or returned for changes' });
  if (caption && caption.length > 200) throw new ValidationError({ caption: 'The description must be 200 characters or fewer' });
  const image = await processPhotograph(upload);
  return db.transaction(async (tx) => {
    const [{ n }] = (await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(alertPhotos)
      .where(and(eq(alertPhotos.alertId, a.id), sql`${alertPhotos.removedAt} IS NULL`))) as [{ n: number }];
    if (n >= MAX_PHOTOS) throw new ValidationError({ photo: `An alert can have up to ${MAX_PHOTOS} photographs` });
    const [row] = await tx
      .insert(alertPhotos)
      .values({
        alertId: a.id,
        caption: caption?.trim() || null,
        contentType: image.contentType,
        width: image.width,
        height: image.height,
        addedByUserId: ctx.actor!.userId,
      })
      .returning({ id: alertPhotos.id });
    await tx
      .update(alertPhotos)
      .set({ dataEnc: sealPhotograph(key, row!.id, image.data) })
      .where(eq(alertPhotos.id, row!.id));
    await recordAudit(tx, ctx, { action: 'alert.photo.add', verb: 'C', entityType: 'Alert', entityId: a.id, detail: { photoId: row!.id } });
    return row!.id;
  });
}

/** A photograph's bytes, for someone allowed to see the alert; every view is audited. */
export async function getPhotograph(
  db: Db,
  ctx: RequestContext,
  key: Buffer,
  alertId: string,
  photoId: string,
): Promise<{ data: Buffer; contentType: string }> {
  const { alert: a } = await requireAlert(db, ctx, alertId, 'alert.view');
  if (!isUuid(photoId)) throw new NotFoundError('Photograph');
  const [p] = await db
    .select()
    .from(alertPhotos)
    .where(and(eq(alertPhotos.id, photoId), eq(alertPhotos.alertId, a.id)));
  if (!p || !p.dataEnc || p.removedAt) throw new NotFoundError('Photograph');
  await recordAuditNow(db, ctx, { action: 'alert.photo.view', verb: 'R', entityType: 'Alert', entityId: a.id, detail: { photoId } });
  return { data: openPhotograph(key, p.id, p.dataEnc), contentType: p.contentType };
}
