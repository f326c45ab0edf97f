/**
 * The index's hot-path copy of each identity, in typed arrays, and a scorer that reads it.
 *
 * Why: at a million identities a search scores a few hundred candidates, and reading each one
 * from JavaScript objects (record → arrays → postcode objects → strings) costs ~10 cache misses.
 * Here a candidate is one 40-byte row plus two short runs in shared pools, and name comparisons
 * are memoised per query by token id (names repeat, so a query compares against each distinct
 * name once).
 *
 * The scorer gives the same total as scorePair in score.ts (a test checks this on random data);
 * scorePair remains the reference and writes the explanations for the results shown.
 */
import type { PostcodeParts } from './normalise';
import type { NameToken, PreparedRecord } from './prepare';
import * as S from './score';
import type { CompiledParameters } from './score';

// Local copies of score.ts's constants and functions. When TypeScript runs through a loader
// that emulates live ES module bindings (tsx/esbuild), every access to an imported name is a
// getter call; on the hot path that was ~10% of search time.
const compareDobNumbers = S.compareDobNumbers;
const compareEdd = S.compareEdd;
const compareNameTokens = S.compareNameTokens;
const compareNhs = S.compareNhs;
const compareOtherIds = S.compareOtherIds;
const tfU = S.tfU;
const MISSING = S.MISSING;
const NAME = { ...S.NAME } as const;
const POSTCODE = { ...S.POSTCODE } as const;
const SURNAME_EXACT = S.SURNAME_EXACT;
const SURNAME_FROM_NAME = S.SURNAME_FROM_NAME;
const SURNAME_PHONETIC = S.SURNAME_PHONETIC;
const SURNAME_SWAPPED = S.SURNAME_SWAPPED;

/** A name token known to the index, with its id and how many identities carry it. */
export interface IndexedToken extends NameToken {
  readonly id: number;
  /** Hash of the primary / secondary phonetic code (of the token itself when it has none). */
  readonly h1: number;
  readonly h2: number;
  givenCount: number;
  familyCount: number;
}

export function strHash(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // 0 marks "absent" in the postcode pool.
  return h === 0 ? 1 : h | 0;
}

const ROW = 10;
const R_DOB = 0;
const R_EDD = 1;
const R_FLAGS = 2;
const R_NAME_START = 3;
const R_NAME_COUNTS = 4;
const R_PC_START = 5;
const R_PC_COUNT = 6;
const R_NHS_HI = 7;
const R_NHS_LO = 8;

const F_SEX_F = 1;
const F_SEX_M = 2;
const F_NHS = 4;
const F_NHS_VALID = 8;
/** NHS number present but not ten digits: compared from the record object. */
const F_NHS_ODD = 16;
const F_OTHER = 32;

const NO_EDD = -0x80000000;

function grow(a: Int32Array<ArrayBuffer>, min: number): Int32Array<ArrayBuffer> {
  let n = a.length || 16;
  while (n < min) n *= 2;
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

function postcodeHashes(p: PostcodeParts, out: Int32Array, at: number): void {
  out[at] = p.full !== undefined ? strHash(p.full) : 0;
  out[at + 1] = p.sector !== undefined ? strHash(p.sector) : 0;
  out[at + 2] = p.district !== undefined ? strHash(p.district) : 0;
  out[at + 3] = p.area !== undefined ? strHash(p.area) : 0;
}

/** A query prepared for compact scoring. */
export interface CompactQuery {
  rec: PreparedRecord;
  dob: number;
  edd: number;
  sex: number;
  nhsHi: number;
  nhsLo: number;
  nhsRegular: boolean;
  /** Four hashes (full, sector, district, area) per query postcode. */
  pc: Int32Array;
  nPc: number;
}

function nhsParts(nhs: string | null): { hi: number; lo: number; regular: boolean } {
  if (nhs && /^\d{10}$/.test(nhs)) return { hi: Number(nhs.slice(0, 5)), lo: Number(nhs.slice(5)), regular: true };
  return { hi: 0, lo: 0, regular: false };
}

export class CompactStore {
  rows = new Int32Array(ROW * 1024);
  private names = new Int32Array(4096);
  private namesLen = 0;
  private pcs = new Int32Array(4096);
  private pcsLen = 0;
  tokens: IndexedToken[] = [];

  // Per-query memo of name comparison levels, by identity token id.
  private memoGen = new Int32Array(4 * 1024);
  private memo = new Int8Array(4 * 1024);
  private gen = 0;

  /** Write slot's row (slots are appended in order; a re-write after a rebuild is fine). */
  set(slot: number, rec: PreparedRecord): void {
    if ((slot + 1) * ROW > this.rows.length) this.rows = grow(this.rows, (slot + 1) * ROW);
    const r = this.rows;
    const o = slot * ROW;
    r[o + R_DOB] = rec.dob ? Number(rec.dob) : 0;
    r[o + R_EDD] = rec.eddDay === null ? NO_EDD : rec.eddDay;
    let flags = rec.sex === 'f' ? F_SEX_F : rec.sex === 'm' ? F_SEX_M : 0;
    if (rec.nhs) {
      flags |= F_NHS;
      if (rec.nhsValid) flags |= F_NHS_VALID;
      const n = nhsParts(rec.nhs);
      if (!n.regular) flags |= F_NHS_ODD;
      r[o + R_NHS_HI] = n.hi;
      r[o + R_NHS_LO] = n.lo;
    }
    if (rec.otherIds.length) flags |= F_OTHER;
    r[o + R_FLAGS] = flags;
    const nG = Math.min(255, rec.given.length);
    const nF = Math.min(255, rec.family.length);
    if (this.namesLen + nG + nF > this.names.length) this.names = grow(this.names, this.namesLen + nG + nF);
    r[o + R_NAME_START] = this.namesLen;
    r[o + R_NAME_COUNTS] = nG | (nF << 8);
    for (let i = 0; i < nG; i++) this.names[this.namesLen++] = (rec.given[i] as IndexedToken).id;
    for (let i = 0; i < nF; i++) this.names[this.namesLen++] = (rec.family[i] as IndexedToken).id;
    const nP = rec.postcodes.length;
    if (this.pcsLen + 4 * nP > this.pcs.length) this.pcs = grow(this.pcs, this.pcsLen + 4 * nP);
    r[o + R_PC_START] = this.pcsLen;
    r[o + R_PC_COUNT] = nP;
    for (const p of rec.postcodes) {
      postcodeHashes(p, this.pcs, this.pcsLen);
      this.pcsLen += 4;
    }
  }

  /** Forget all rows and pools (before re-filing every live identity). */
  reset(): void {
    this.namesLen = 0;
    this.pcsLen = 0;
  }

  addToken(t: IndexedToken): void {
    this.tokens[t.id] = t;
    if (4 * t.id + 3 >= this.memoGen.length) {
      const g = new Int32Array(this.memoGen.length * 2);
      g.set(this.memoGen);
      this.memoGen = g;
      const m = new Int8Array(this.memo.length * 2);
      m.set(this.memo);
      this.memo = m;
    }
  }

  /** Prepare a query; also starts a fresh name memo. */
  prepare(rec: PreparedRecord): CompactQuery {
    this.gen++;
    if (this.gen === 0x7fffffff) {
      this.memoGen.fill(0);
      this.gen = 1;
    }
    const n = nhsParts(rec.nhs);
    const pc = new Int32Array(4 * rec.postcodes.length);
    rec.postcodes.forEach((p, i) => {
      postcodeHashes(p, pc, 4 * i);
    });
    return {
      rec,
      dob: rec.dob ? Number(rec.dob) : 0,
      edd: rec.eddDay === null ? NO_EDD : rec.eddDay,
      sex: rec.sex === 'f' ? F_SEX_F : rec.sex === 'm' ? F_SEX_M : 0,
      nhsHi: n.hi,
      nhsLo: n.lo,
      nhsRegular: n.regular,
      pc,
      nPc: rec.postcodes.length,
    };
  }

  /**
   * Level of one identity token against the query, memoised per query. kind 0: against the
   * query's given names (nicknames allowed); 1: against its family names; 2: query given names
   * vs this token as a surname (swap check); 3: query family names vs this token as a forename.
   * Computed lazily: most tokens only ever need one kind.
   */
  private level(q: CompactQuery, tokenId: number, kind: number): number {
    const k = tokenId * 4 + kind;
    if (this.memoGen[k] === this.gen) return this.memo[k] as number;
    const t = this.tokens[tokenId] as IndexedToken;
    const qs = kind === 0 || kind === 2 ? q.rec.given : q.rec.family;
    const nick = kind === 0 || kind === 3;
    let best: number = NAME.different;
    for (let i = 0; i < qs.length && best !== NAME.exact; i++) {
      const l = compareNameTokens(qs[i] as NameToken, t, nick);
      if (l < best) best = l;
    }
    this.memo[k] = best;
    this.memoGen[k] = this.gen;
    return best;
  }

  /** anyInitialAgrees (score.ts) against a run of token ids in the names pool. */
  private initialsAgree(qs: readonly NameToken[], from: number, count: number): boolean {
    for (let j = 0; j < count; j++) {
      const y = this.tokens[this.names[from + j] as number] as IndexedToken;
      for (let i = 0; i < qs.length; i++) {
        const x = qs[i] as NameToken;
        if (x.s.charCodeAt(0) === y.s.charCodeAt(0) || (x.p1 !== '' && x.p1.charCodeAt(0) === y.p1.charCodeAt(0))) return true;
      }
    }
    return false;
  }

  /** Total log2 Bayes factor of slot against the query; equal to scorePair(q.rec, rec, ...). */
  score(q: CompactQuery, slot: number, rec: PreparedRecord, cp: CompiledParameters, total: number): number {
    const r = this.rows;
    const o = slot * ROW;
    const w = cp.weights;
    const p = cp.params;
    let score = 0;
    const flags = r[o + R_FLAGS] as number;

    // NHS number.
    if (q.rec.nhs && flags & F_NHS) {
      let lvl: number;
      if (q.nhsRegular && !(flags & F_NHS_ODD) && q.nhsHi === r[o + R_NHS_HI] && q.nhsLo === r[o + R_NHS_LO]) lvl = 0;
      else if (q.rec.nhsValid && flags & F_NHS_VALID) lvl = 3;
      else lvl = compareNhs(q.rec.nhs, q.rec.nhsValid, rec.nhs, rec.nhsValid);
      score += w.nhsNumber[lvl] as number;
    }

    // Names.
    const start = r[o + R_NAME_START] as number;
    const counts = r[o + R_NAME_COUNTS] as number;
    const nG = counts & 255;
    const nF = counts >> 8;
    const haveF = q.rec.given.length > 0 && nG > 0;
    const haveS = q.rec.family.length > 0 && nF > 0;
    const names = this.names;
    let fl: number = MISSING;
    let fw = 0;
    let sl: number = MISSING;
    let sw = 0;
    if (haveF) {
      fl = NAME.different;
      // Among exact agreements, the rarest name counts (as in scorePair).
      let minCount = 0x7fffffff;
      for (let i = 0; i < nG; i++) {
        const id = names[start + i] as number;
        const l = this.level(q, id, 0);
        if (l < fl) fl = l;
        if (l === NAME.exact) minCount = Math.min(minCount, (this.tokens[id] as IndexedToken).givenCount);
      }
      if (fl === NAME.exact) {
        const u = tfU(minCount, total, p.fields.forename.exact.u, p.tfSmoothing);
        fw = Math.max(w.forename[NAME.jw94] as number, Math.log2(p.fields.forename.exact.m / u));
      } else fw = w.forename[fl] as number;
    }
    if (haveS) {
      let nl: number = NAME.different;
      let minCount = 0x7fffffff;
      for (let i = 0; i < nF; i++) {
        const id = names[start + nG + i] as number;
        const l = this.level(q, id, 1);
        if (l < nl) nl = l;
        if (l === NAME.exact) minCount = Math.min(minCount, (this.tokens[id] as IndexedToken).familyCount);
      }
      sl = SURNAME_FROM_NAME[nl as 0] as number;
      if (sl === SURNAME_EXACT) {
        const u = tfU(minCount, total, p.fields.surname.exact.u, p.tfSmoothing);
        sw = Math.max(w.surname[1] as number, Math.log2(p.fields.surname.exact.m / u));
      } else sw = w.surname[sl] as number;
    }
    if (
      haveF &&
      haveS &&
      fl >= NAME.phonetic &&
      sl >= SURNAME_PHONETIC &&
      this.initialsAgree(q.rec.given, start + nG, nF) &&
      this.initialsAgree(q.rec.family, start, nG)
    ) {
      let fx: number = NAME.different;
      for (let i = 0; i < nF; i++) {
        const l = this.level(q, names[start + nG + i] as number, 2);
        if (l < fx) fx = l;
      }
      if (fx <= NAME.jw88) {
        let sx: number = NAME.different;
        for (let i = 0; i < nG; i++) {
          const l = this.level(q, names[start + i] as number, 3);
          if (l < sx) sx = l;
        }
        if (sx <= NAME.jw88) {
          const swF = w.forename[NAME.swapped] as number;
          const swS = w.surname[SURNAME_SWAPPED] as number;
          if (swF + swS > fw + sw) {
            fw = swF;
            sw = swS;
            sl = SURNAME_SWAPPED;
          }
        }
      }
    }
    score += fw + sw;

    // Date of birth.
    const dob = compareDobNumbers(q.dob, r[o + R_DOB] as number);
    if (dob !== MISSING) score += w.dateOfBirth[dob] as number;

    // Postcodes: best level over all pairs.
    const nP = r[o + R_PC_COUNT] as number;
    if (q.nPc > 0 && nP > 0) {
      const pcs = this.pcs;
      const ps = r[o + R_PC_START] as number;
      let best: number = POSTCODE.different;
      outer: for (let i = 0; i < q.nPc; i++) {
        const qa = 4 * i;
        const qFull = q.pc[qa] as number;
        const qSector = q.pc[qa + 1] as number;
        const qDistrict = q.pc[qa + 2] as number;
        const qArea = q.pc[qa + 3] as number;
        for (let j = 0; j < nP; j++) {
          const ra = ps + 4 * j;
          let lvl: number;
          const rDistrict = pcs[ra + 2] as number;
          if (qDistrict === 0 || rDistrict === 0) {
            if (qFull !== 0 && qFull === pcs[ra]) lvl = POSTCODE.full;
            else lvl = qArea !== 0 && qArea === pcs[ra + 3] ? POSTCODE.area : POSTCODE.different;
          } else if (qDistrict === rDistrict) {
            if (qFull !== 0 && qFull === pcs[ra]) lvl = POSTCODE.full;
            else if (qSector !== 0 && qSector === pcs[ra + 1]) lvl = POSTCODE.sector;
            else lvl = POSTCODE.district;
          } else lvl = qArea !== 0 && qArea === pcs[ra + 3] ? POSTCODE.area : POSTCODE.different;
          if (lvl < best) best = lvl;
          if (best === POSTCODE.full) break outer;
        }
      }
      let pcW = w.postcode[best] as number;
      if (best === POSTCODE.full && sl === SURNAME_EXACT) {
        pcW = S.householdPostcodeWeight(pcW, w.postcode[POSTCODE.sector] as number, p);
      }
      score += pcW;
    }

    // EDD.
    const redd = r[o + R_EDD] as number;
    if (q.edd !== NO_EDD && redd !== NO_EDD) score += w.edd[compareEdd(q.edd, redd)] as number;

    // Other identifiers (rare: read from the record).
    if (q.rec.otherIds.length && flags & F_OTHER) score += w.otherId[compareOtherIds(q.rec.otherIds, rec.otherIds)] as number;

    // Sex.
    const rs = flags & 3;
    if (q.sex !== 0 && rs !== 0) score += w.sex[q.sex === rs ? 0 : 1] as number;

    return score;
  }
}
