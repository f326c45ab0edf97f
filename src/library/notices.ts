/**
 * How the library tells people things: one email job per message, written in the caller's transaction
 * (outbox) under a key that makes a retried change send nothing twice. The in-app task is the reading row
 * itself (the Library menu counts them). Emails carry the document's title and a link, never personal data.
 */
import type { Db } from '../platform/db/engine';
import { enqueue } from '../platform/jobs/queue';

export const LIBRARY_EMAIL_JOB = 'library.email';

export type LibraryMessageKind = 'read_request' | 'read_reminder' | 'review_request' | 'review_comment' | 'review_due';

export interface LibraryMessage {
  kind: LibraryMessageKind;
  userId: string;
  versionId: string;
  readId?: string;
  /** Makes the message unique beyond kind, version and person (a reminder's number, a review stage). */
  key?: string | number;
}

export function libraryEmailKey(m: Pick<LibraryMessage, 'kind' | 'userId' | 'versionId' | 'key'>): string {
  return `library:${m.kind}:${m.versionId}:${m.userId}:${m.key ?? ''}`;
}

export async function tell(tx: Db, m: LibraryMessage): Promise<void> {
  await enqueue(
    tx,
    LIBRARY_EMAIL_JOB,
    { kind: m.kind, userId: m.userId, versionId: m.versionId, ...(m.readId ? { readId: m.readId } : {}), ...(m.key !== undefined ? { key: m.key } : {}) },
    { idempotencyKey: libraryEmailKey(m) },
  );
}
