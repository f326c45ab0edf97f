/**
 * FEBRL benchmark files (Australian-format synthetic person records) as Identities and Queries.
 *
 * soc_sec_id goes to otherIds, not nhsNumber: it is a 7-digit number without a Modulus 11 check.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Identity, Query } from '../../src/identity/matching/model';

export interface FebrlRecord {
  recId: string;
  /** The person: the number in rec-<n>-org / rec-<n>-dup-<k>. */
  person: string;
  givenName: string;
  surname: string;
  postcode: string;
  dateOfBirth: string;
  socSecId: string;
}

/** The FEBRL folder: BEACON_FEBRL_DIR, else ../shared/data/febrl relative to the repo root. */
export function febrlDir(): string {
  if (process.env.BEACON_FEBRL_DIR) return resolve(process.env.BEACON_FEBRL_DIR);
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return resolve(repoRoot, '..', 'shared', 'data', 'febrl');
}

export function febrlAvailable(): boolean {
  return existsSync(join(febrlDir(), 'dataset4a.csv'));
}

export function loadFebrl(file: string): FebrlRecord[] {
  const text = readFileSync(join(febrlDir(), file), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column ${name}`);
    return i;
  };
  const iRec = col('rec_id');
  const iGiven = col('given_name');
  const iSur = col('surname');
  const iPc = col('postcode');
  const iDob = col('date_of_birth');
  const iSsn = col('soc_sec_id');
  return lines.map((line) => {
    const f = line.split(',').map((x) => x.trim());
    const recId = f[iRec] ?? '';
    const m = /^rec-(\d+)-(?:org|dup-\d+)$/.exec(recId);
    if (!m) throw new Error(`${file}: bad rec_id ${recId}`);
    return {
      recId,
      person: m[1] as string,
      givenName: f[iGiven] ?? '',
      surname: f[iSur] ?? '',
      postcode: f[iPc] ?? '',
      dateOfBirth: f[iDob] ?? '',
      socSecId: f[iSsn] ?? '',
    };
  });
}

function isoDob(d: string): string | undefined {
  return /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : undefined;
}

export function febrlQuery(r: FebrlRecord): Query {
  const q: Query = {
    givenNames: r.givenName ? [r.givenName] : [],
    familyNames: r.surname ? [r.surname] : [],
    postcodes: r.postcode ? [r.postcode] : [],
    otherIds: r.socSecId ? [r.socSecId] : [],
  };
  const dob = isoDob(r.dateOfBirth);
  if (dob) q.dateOfBirth = dob;
  return q;
}

export function febrlIdentity(r: FebrlRecord): Identity {
  const q = febrlQuery(r);
  return {
    id: r.recId,
    subjectId: r.person,
    givenNames: q.givenNames ?? [],
    familyNames: q.familyNames ?? [],
    postcodes: q.postcodes ?? [],
    otherIds: q.otherIds ?? [],
    ...(q.dateOfBirth ? { dateOfBirth: q.dateOfBirth } : {}),
  };
}
