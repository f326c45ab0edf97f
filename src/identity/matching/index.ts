/**
 * MatchIndex: an in-memory inverted index over identities, for point-of-care search.
 *
 * Candidate generation ("blocking") looks up a handful of keys derived from the query; every
 * identity sharing at least one key is scored with the Fellegi–Sunter model in score.ts, and the
 * best identity per subject is returned, ranked.
 *
 * Layout, chosen for a million identities on one core:
 * - Blocking keys are 32-bit hashes of (key type, values). Two different keys that collide just
 *   share a posting list: that adds candidates, which the scorer then rejects; it never loses one.
 * - The key table is open addressing over Int32Arrays; posting lists are singly linked through two
 *   Int32Arrays (slot, next). No per-key JavaScript objects, about 8 bytes per posting.
 * - Name tokens, postcodes and dates are interned, so a million identities share a few hundred
 *   thousand token objects.
 * - A search reuses stamp arrays instead of allocating Sets; only the returned candidates and
 *   their explanations are allocated.
 * - Removal marks a slot dead (skipped at search time) and the postings are rebuilt once dead
 *   slots pile up.
 */
import { CompactStore, type IndexedToken, strHash } from './compact';
import { DEFAULT_PARAMETERS } from './defaults';
import type { Bands, Candidate, FieldExplanation, Identity, MatchParameters, Query, SearchOptions } from './model';
import { nhsSingleDigitVariants, nhsTranspositionVariants } from './nhs-number';
import { type PostcodeParts, parsePostcode } from './normalise';
import { makeNameToken, type NameToken, type PreparedRecord, prepareRecord } from './prepare';
import {
  BAND_RANK,
  bandFor,
  type CompiledParameters,
  type ComparisonVector,
  compileParameters,
  probabilityFromScore,
  scorePair,
  type TermFrequencies,
} from './score';

// ---------------------------------------------------------------------------------------------
// Hashing

function mix(h: number, v: number): number {
  let k = Math.imul(v | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Key types. Kept in the hash so that, say, a year and a postcode code never share a key. */
const K = {
  Nhs: 1,
  DobInitial: 2,
  DobDistrict: 3,
  YearSurname: 4,
  ForenameSurname: 5,
  SectorForename: 6,
  EddForename: 7,
  OtherId: 8,
  PostcodeSurname: 9,
  SurnameForenameInitial: 10,
  ForenameSurnameInitial: 11,
  ForenameOnly: 12,
  SurnameOnly: 13,
  DistrictSurname: 14,
} as const;

/** Key type names, for the per-type statistics. */
export const KEY_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'nhs',
  2: 'dob+initial',
  3: 'dob+district',
  4: 'year+surname',
  5: 'forename+surname',
  6: 'sector+forename',
  7: 'edd+forename',
  8: 'otherId',
  9: 'postcode+surname',
  10: 'fallback surname+initial',
  11: 'fallback forename+initial',
  12: 'fallback forename',
  13: 'fallback surname',
  14: 'district+surname',
};

function key2(tag: number, a: number, b: number): number {
  return fmix(mix(mix(Math.imul(tag, 0x9e3779b1), a), b));
}

/** Offset that keeps nickname-group codes apart from phonetic-code hashes in the forename slot. */
const GROUP_SALT = 0x5bd1e995;

// ---------------------------------------------------------------------------------------------
// Interned name tokens

function toIndexedToken(t: NameToken, id: number): IndexedToken {
  const h1 = strHash(t.p1 || `=${t.s}`);
  const h2 = t.p2 && t.p2 !== t.p1 ? strHash(t.p2) : h1;
  return { ...t, id, h1, h2, givenCount: 0, familyCount: 0 };
}

// ---------------------------------------------------------------------------------------------
// Growable typed arrays

function growInt32(a: Int32Array<ArrayBuffer>, min: number, fill?: number): Int32Array<ArrayBuffer> {
  let n = a.length || 16;
  while (n < min) n *= 2;
  const b = new Int32Array(n);
  if (fill !== undefined) b.fill(fill);
  b.set(a);
  return b;
}

function growFloat64(a: Float64Array<ArrayBuffer>, min: number): Float64Array<ArrayBuffer> {
  let n = a.length || 16;
  while (n < min) n *= 2;
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

// ---------------------------------------------------------------------------------------------

export interface MatchIndexOptions {
  /** Fellegi–Sunter parameters; defaults for a small register (defaults.ts). */
  params?: MatchParameters;
  /**
   * Blocks (posting lists) with more entries than this are skipped for candidate generation and
   * counted: a key shared by thousands of identities (a very common name in one year) carries
   * little information and would make a search slow. Other keys still find those people.
   */
  blockCap?: number;
  /**
   * Cap for the typo-tolerant fallback keys (a name alone, or one name with the other's
   * initial). Lower, because those blocks are only worth reading for uncommon names.
   */
  fallbackBlockCap?: number;
}

export interface MatchIndexStats {
  identities: number;
  subjects: number;
  distinctKeys: number;
  postings: number;
  /** Keys whose block currently exceeds the cap. */
  oversizedBlocks: number;
  /** Times a search met an oversized block and skipped it (cumulative). */
  oversizedBlockHits: number;
  /** Times a search skipped a block over a lower cap (fallback and year+surname keys; cumulative). */
  fallbackBlocksSkipped: number;
  /** Mean postings read per search, by key type (includes dead slots and duplicates). */
  postingsReadPerSearchByKeyType: Record<string, number>;
  searches: number;
  /** Mean candidates scored per search (cumulative). */
  meanCandidatesScored: number;
  deadSlots: number;
  internedTokens: number;
}

interface PreparedQuery {
  rec: PreparedRecord;
  tokensGiven: IndexedToken[];
  tokensFamily: IndexedToken[];
}

export class MatchIndex implements TermFrequencies {
  private cp: CompiledParameters;
  private readonly blockCap: number;
  private readonly fallbackCap: number;
  private readonly yearSurnameCap: number;
  private readonly eddCap: number;

  // Identity storage, by slot.
  private recs: (PreparedRecord | null)[] = [];
  private ids: (string | null)[] = [];
  private slotSubject = new Int32Array(1024);
  private slotNextOfSubject = new Int32Array(1024);
  private readonly slotById = new Map<string, number>();
  private live = 0;
  private dead = 0;

  // Subjects.
  private readonly subjectByKey = new Map<string, number>();
  private subjectIds: string[] = [];
  private subjectHead = new Int32Array(1024).fill(-1);
  private liveSubjects = 0;

  // Interning.
  private readonly tokens = new Map<string, IndexedToken>();
  /** Typed-array copy of every identity for fast scoring (compact.ts). */
  private readonly compact = new CompactStore();
  private readonly postcodes = new Map<string, PostcodeParts | null>();
  private readonly dobs = new Map<string, string>();

  // Key table (open addressing) and posting lists.
  private keyMask = (1 << 16) - 1;
  private keyHash = new Int32Array(1 << 16);
  private keyHead = new Int32Array(1 << 16).fill(-1);
  private keyCount = new Int32Array(1 << 16);
  private keysUsed = 0;
  private postSlot = new Int32Array(1 << 16);
  private postNext = new Int32Array(1 << 16);
  private postings = 0;
  private oversized = 0;

  // Search scratch, reused across searches.
  private keyBuf = new Int32Array(512);
  private keyCapBuf = new Int32Array(512);
  private keyTypeBuf = new Int32Array(512);
  /** Postings read per key type (cumulative), to see where candidates come from. */
  private readonly postingsReadByType = new Float64Array(16);
  private keyLen = 0;
  private stamp = new Int32Array(1024);
  private stampGen = 0;
  private cand = new Int32Array(1024);
  private subjStamp = new Int32Array(1024);
  private subjBestScore = new Float64Array(1024);
  private subjBestSlot = new Int32Array(1024);
  private touched = new Int32Array(1024);

  // Statistics.
  private oversizedHits = 0;
  private fallbackSkips = 0;
  private searches = 0;
  private scoredTotal = 0;

  constructor(options: MatchIndexOptions = {}) {
    this.cp = compileParameters(options.params ?? DEFAULT_PARAMETERS);
    this.blockCap = options.blockCap ?? 1000;
    this.fallbackCap = options.fallbackBlockCap ?? 100;
    // Year + surname is the broadest of the main keys (a common surname in one year); capped
    // lower so that at a million identities the commonest surnames fall back on other keys.
    this.yearSurnameCap = Math.min(this.blockCap, 200);
    // EDD fortnight + forename: many women share a due fortnight; worth reading for uncommon forenames.
    this.eddCap = Math.min(this.blockCap, 200);
  }

  /** Number of live identities. */
  get size(): number {
    return this.live;
  }

  /** Number of identities the term frequencies are over (TermFrequencies). */
  get total(): number {
    return this.live;
  }

  get parameters(): MatchParameters {
    return this.cp.params;
  }

  /** Swap in new parameters (e.g. EM estimates); the index itself does not change. */
  setParameters(params: MatchParameters): void {
    this.cp = compileParameters(params);
  }

  givenCount(token: string): number {
    return this.tokens.get(token)?.givenCount ?? 0;
  }

  familyCount(token: string): number {
    return this.tokens.get(token)?.familyCount ?? 0;
  }

  // -------------------------------------------------------------------------------------------
  // Adding and removing

  /** Index an identity. Adding an id that is already present replaces it. */
  add(identity: Identity): void {
    if (this.slotById.has(identity.id)) this.remove(identity.id);
    const rec = prepareRecord(identity, this.internToken, this.internPostcode);
    const dob = rec.dob ? this.internDob(rec.dob) : null;
    const stored: PreparedRecord = dob === rec.dob ? rec : { ...rec, dob };
    const slot = this.recs.length;
    this.recs.push(stored);
    this.ids.push(identity.id);
    this.slotById.set(identity.id, slot);
    if (slot >= this.slotSubject.length) {
      this.slotSubject = growInt32(this.slotSubject, slot + 1);
      this.slotNextOfSubject = growInt32(this.slotNextOfSubject, slot + 1);
      this.stamp = growInt32(this.stamp, slot + 1);
    }
    let subj = this.subjectByKey.get(identity.subjectId);
    if (subj === undefined) {
      subj = this.subjectIds.length;
      this.subjectIds.push(identity.subjectId);
      this.subjectByKey.set(identity.subjectId, subj);
      if (subj >= this.subjectHead.length) {
        this.subjectHead = growInt32(this.subjectHead, subj + 1, -1);
        this.subjStamp = growInt32(this.subjStamp, subj + 1);
        this.subjBestScore = growFloat64(this.subjBestScore, subj + 1);
        this.subjBestSlot = growInt32(this.subjBestSlot, subj + 1);
        this.touched = growInt32(this.touched, subj + 1);
      }
    }
    if (this.subjectHead[subj] === -1) this.liveSubjects++;
    this.slotSubject[slot] = subj;
    this.slotNextOfSubject[slot] = this.subjectHead[subj] as number;
    this.subjectHead[subj] = slot;
    this.countTokens(stored, 1);
    this.compact.set(slot, stored);
    this.insertKeysFor(slot, stored);
    this.live++;
  }

  /** Remove one identity. Returns false if it was not indexed. */
  remove(identityId: string): boolean {
    const slot = this.slotById.get(identityId);
    if (slot === undefined) return false;
    const rec = this.recs[slot] as PreparedRecord;
    this.countTokens(rec, -1);
    this.slotById.delete(identityId);
    this.recs[slot] = null;
    this.ids[slot] = null;
    // Unlink from the subject's list.
    const subj = this.slotSubject[slot] as number;
    let prev = -1;
    for (let s = this.subjectHead[subj] as number; s !== -1; s = this.slotNextOfSubject[s] as number) {
      if (s === slot) {
        if (prev === -1) this.subjectHead[subj] = this.slotNextOfSubject[s] as number;
        else this.slotNextOfSubject[prev] = this.slotNextOfSubject[s] as number;
        break;
      }
      prev = s;
    }
    if (this.subjectHead[subj] === -1) this.liveSubjects--;
    this.live--;
    this.dead++;
    if (this.dead > 1024 && this.dead > this.live) this.rebuildPostings();
    return true;
  }

  /** Remove every identity of a subject (an alert stood down). Returns how many were removed. */
  removeSubject(subjectId: string): number {
    const subj = this.subjectByKey.get(subjectId);
    if (subj === undefined) return 0;
    const slots: number[] = [];
    for (let s = this.subjectHead[subj] as number; s !== -1; s = this.slotNextOfSubject[s] as number) slots.push(s);
    for (const s of slots) this.remove(this.ids[s] as string);
    return slots.length;
  }

  has(identityId: string): boolean {
    return this.slotById.has(identityId);
  }

  private internToken = (s: string): NameToken => {
    let t = this.tokens.get(s);
    if (!t) {
      t = toIndexedToken(makeNameToken(s), this.tokens.size);
      this.tokens.set(s, t);
      this.compact.addToken(t);
    }
    return t;
  };

  private internPostcode = (raw: string): PostcodeParts | null => {
    const k = postcodeKey(raw);
    let p = this.postcodes.get(k);
    if (p === undefined) {
      p = parsePostcode(raw);
      if (p) {
        // Sectors, districts and areas repeat across thousands of postcodes: share the strings.
        const parts: PostcodeParts = { kind: p.kind };
        if (p.full !== undefined) parts.full = p.full;
        if (p.sector !== undefined) parts.sector = this.internString(p.sector);
        if (p.district !== undefined) parts.district = this.internString(p.district);
        if (p.area !== undefined) parts.area = this.internString(p.area);
        p = parts;
      }
      this.postcodes.set(k, p);
    }
    return p;
  };

  private readonly strings = new Map<string, string>();
  private internString(s: string): string {
    const x = this.strings.get(s);
    if (x !== undefined) return x;
    this.strings.set(s, s);
    return s;
  }

  private internDob(d: string): string {
    let x = this.dobs.get(d);
    if (x === undefined) {
      this.dobs.set(d, d);
      x = d;
    }
    return x;
  }

  private countTokens(rec: PreparedRecord, delta: number): void {
    for (const t of rec.given) (t as IndexedToken).givenCount += delta;
    for (const t of rec.family) (t as IndexedToken).familyCount += delta;
  }

  // -------------------------------------------------------------------------------------------
  // Blocking keys

  /**
   * Keys an identity is filed under, written into keyBuf (deduplicated); returns the count.
   *
   * Every key pairs two pieces of evidence so that blocks stay small at a million identities
   * (a DOB alone is shared by ~150 people at that size; a DOB and an initial by ~10). The set is
   * chosen so that each kind of error or deception leaves at least one key intact:
   * - NHS number (exact; an invalid query number also tries its valid near neighbours);
   * - DOB with day/month order ignored + initial of any name (or nickname group): survives a
   *   day–month swap, a surname change, a nickname, a forename–surname swap;
   * - DOB (order ignored) + postcode district: survives a completely different name;
   * - year of birth + surname sound: survives a new forename and a wrong day or month;
   * - forename sound (or nickname group) + surname sound: survives a wrong DOB and a move;
   *   the query tries both orders (swap) and both Double Metaphone codes;
   * - full postcode + surname sound, postcode sector + forename sound, postcode district +
   *   surname sound: survive a wrong or missing DOB;
   * - EDD fortnight + forename sound; other identifiers exact;
   * - fallbacks with a low cap (one name's sound + the other's initial; each name alone) for
   *   queries with little but a misspelt name: useful for uncommon names only.
   *
   * "Full DOB" is not a key of its own: the order-ignored DOB keys contain every exact-DOB pair.
   */
  private identityKeys(rec: PreparedRecord): number {
    this.keyLen = 0;
    if (rec.nhs) this.pushKey(key2(K.Nhs, strHash(rec.nhs), 0));
    const given = rec.given as IndexedToken[];
    const family = rec.family as IndexedToken[];
    const fore = given[0];
    const sur = family[0];
    const nGiven = Math.min(2, given.length);
    if (rec.dob) {
      const d = dobUnordered(rec.dob);
      for (let i = 0; i < nGiven; i++) {
        const g = given[i] as IndexedToken;
        this.pushKey(key2(K.DobInitial, d, g.s.charCodeAt(0)));
        for (const grp of g.groups) this.pushKey(key2(K.DobInitial, d, grp ^ GROUP_SALT));
      }
      for (const f of family) this.pushKey(key2(K.DobInitial, d, f.s.charCodeAt(0)));
      for (const p of rec.postcodes) if (p.district) this.pushKey(key2(K.DobDistrict, d, strHash(p.district)));
      const year = Number(rec.dob.slice(0, 4));
      for (const f of family) this.pushKey(key2(K.YearSurname, year, f.h1));
    }
    for (let i = 0; i < nGiven; i++) {
      const g = given[i] as IndexedToken;
      for (const f of family) {
        this.pushKey(key2(K.ForenameSurname, g.h1, f.h1));
        for (const grp of g.groups) this.pushKey(key2(K.ForenameSurname, grp ^ GROUP_SALT, f.h1));
      }
    }
    for (const p of rec.postcodes) {
      if (p.full) {
        const ph = strHash(p.full);
        for (const f of family) this.pushKey(key2(K.PostcodeSurname, ph, f.h1));
      }
      if (p.sector && fore) {
        const sh = strHash(p.sector);
        this.pushKey(key2(K.SectorForename, sh, fore.h1));
        for (const grp of fore.groups) this.pushKey(key2(K.SectorForename, sh, grp ^ GROUP_SALT));
      }
      if (p.district) {
        const dh = strHash(p.district);
        for (const f of family) this.pushKey(key2(K.DistrictSurname, dh, f.h1));
      }
    }
    if (fore && rec.eddDay !== null) this.pushKey(key2(K.EddForename, Math.floor(rec.eddDay / 14), fore.h1));
    for (const o of rec.otherIds) this.pushKey(key2(K.OtherId, strHash(o), 0));
    if (fore && sur) {
      for (const f of family) this.pushKey(key2(K.SurnameForenameInitial, f.h1, fore.s.charCodeAt(0)));
      this.pushKey(key2(K.ForenameSurnameInitial, fore.h1, sur.s.charCodeAt(0)));
    }
    if (fore) this.pushKey(key2(K.ForenameOnly, fore.h1, 0));
    for (const f of family) this.pushKey(key2(K.SurnameOnly, f.h1, 0));
    return this.keyLen;
  }

  /** Keys a query looks up: the identity keys' counterparts, with variants for likely errors. */
  private queryKeys(q: PreparedQuery): number {
    const rec = q.rec;
    this.keyLen = 0;
    const main = this.blockCap;
    const fb = this.fallbackCap;
    if (rec.nhs) {
      this.pushKey(key2(K.Nhs, strHash(rec.nhs), 0), main, K.Nhs);
      if (!rec.nhsValid) {
        for (const v of nhsTranspositionVariants(rec.nhs)) this.pushKey(key2(K.Nhs, strHash(v), 0), main, K.Nhs);
        for (const v of nhsSingleDigitVariants(rec.nhs)) this.pushKey(key2(K.Nhs, strHash(v), 0), main, K.Nhs);
      }
    }
    const given = q.tokensGiven;
    const family = q.tokensFamily;
    const nGiven = Math.min(2, given.length);
    if (rec.dob) {
      const d = dobUnordered(rec.dob);
      // Any query name's initial against any indexed name's initial: covers swaps for free.
      for (let i = 0; i < nGiven; i++) {
        const g = given[i] as IndexedToken;
        this.pushKey(key2(K.DobInitial, d, g.s.charCodeAt(0)), main, K.DobInitial);
        for (const grp of g.groups) this.pushKey(key2(K.DobInitial, d, grp ^ GROUP_SALT), main, K.DobInitial);
      }
      for (const f of family) this.pushKey(key2(K.DobInitial, d, f.s.charCodeAt(0)), main, K.DobInitial);
      for (const p of rec.postcodes) if (p.district) this.pushKey(key2(K.DobDistrict, d, strHash(p.district)), main, K.DobDistrict);
      const year = Number(rec.dob.slice(0, 4));
      for (const f of family) {
        this.pushKey(key2(K.YearSurname, year, f.h1), this.yearSurnameCap, K.YearSurname);
        if (f.h2 !== f.h1) this.pushKey(key2(K.YearSurname, year, f.h2), this.yearSurnameCap, K.YearSurname);
      }
      // Names swapped: her forename may be filed as a surname.
      const g0 = given[0];
      if (g0) this.pushKey(key2(K.YearSurname, year, g0.h1), this.yearSurnameCap, K.YearSurname);
    }
    for (let i = 0; i < nGiven; i++) {
      const g = given[i] as IndexedToken;
      for (const f of family) {
        this.forenameSurnameKeys(g, f);
        // And the other way round (forename–surname swap).
        this.forenameSurnameKeys(f, g);
      }
    }
    const fore = given[0];
    for (const p of rec.postcodes) {
      if (p.full) {
        const ph = strHash(p.full);
        for (const f of family) {
          this.pushKey(key2(K.PostcodeSurname, ph, f.h1), main, K.PostcodeSurname);
          if (f.h2 !== f.h1) this.pushKey(key2(K.PostcodeSurname, ph, f.h2), main, K.PostcodeSurname);
        }
        if (fore) this.pushKey(key2(K.PostcodeSurname, ph, fore.h1), main, K.PostcodeSurname);
      }
      if (p.sector) {
        const sh = strHash(p.sector);
        if (fore) {
          this.pushKey(key2(K.SectorForename, sh, fore.h1), main, K.SectorForename);
          if (fore.h2 !== fore.h1) this.pushKey(key2(K.SectorForename, sh, fore.h2), main, K.SectorForename);
          for (const grp of fore.groups) this.pushKey(key2(K.SectorForename, sh, grp ^ GROUP_SALT), main, K.SectorForename);
        }
        // Swapped names: her surname may be filed as the forename.
        for (const f of family) this.pushKey(key2(K.SectorForename, sh, f.h1), main, K.SectorForename);
      }
      if (p.district) {
        const dh = strHash(p.district);
        for (const f of family) this.pushKey(key2(K.DistrictSurname, dh, f.h1), main, K.DistrictSurname);
        if (fore) this.pushKey(key2(K.DistrictSurname, dh, fore.h1), main, K.DistrictSurname);
      }
    }
    if (rec.eddDay !== null && fore) {
      // Her fortnight and the nearer neighbouring one: every EDD within a week, and most within
      // two, for two blocks rather than three.
      const b = Math.floor(rec.eddDay / 14);
      const near = rec.eddDay - b * 14 < 7 ? b - 1 : b + 1;
      for (const bucket of [b, near]) {
        this.pushKey(key2(K.EddForename, bucket, fore.h1), this.eddCap, K.EddForename);
        if (fore.h2 !== fore.h1) this.pushKey(key2(K.EddForename, bucket, fore.h2), this.eddCap, K.EddForename);
      }
    }
    for (const o of rec.otherIds) this.pushKey(key2(K.OtherId, strHash(o), 0), main, K.OtherId);
    // Fallbacks (see identityKeys), with the smaller cap.
    for (let i = 0; i < nGiven; i++) {
      const g = given[i] as IndexedToken;
      const gi = g.s.charCodeAt(0);
      for (const f of family) {
        this.pushKey(key2(K.SurnameForenameInitial, f.h1, gi), fb, K.SurnameForenameInitial);
        if (f.h2 !== f.h1) this.pushKey(key2(K.SurnameForenameInitial, f.h2, gi), fb, K.SurnameForenameInitial);
        this.pushKey(key2(K.ForenameSurnameInitial, g.h1, f.s.charCodeAt(0)), fb, K.ForenameSurnameInitial);
        if (g.h2 !== g.h1) this.pushKey(key2(K.ForenameSurnameInitial, g.h2, f.s.charCodeAt(0)), fb, K.ForenameSurnameInitial);
      }
      this.pushKey(key2(K.ForenameOnly, g.h1, 0), fb, K.ForenameOnly);
    }
    for (const f of family) this.pushKey(key2(K.SurnameOnly, f.h1, 0), fb, K.SurnameOnly);
    return this.keyLen;
  }

  private forenameSurnameKeys(g: IndexedToken, f: IndexedToken): void {
    const fcodes = f.h2 !== f.h1 ? 2 : 1;
    for (let c = 0; c < fcodes; c++) {
      const fh = c === 0 ? f.h1 : f.h2;
      this.pushKey(key2(K.ForenameSurname, g.h1, fh), this.blockCap, K.ForenameSurname);
      if (g.h2 !== g.h1) this.pushKey(key2(K.ForenameSurname, g.h2, fh), this.blockCap, K.ForenameSurname);
      for (const grp of g.groups) this.pushKey(key2(K.ForenameSurname, grp ^ GROUP_SALT, fh), this.blockCap, K.ForenameSurname);
    }
  }

  /** Append a key (with its block cap and type) unless it is already in the buffer. */
  private pushKey(k: number, cap: number = this.blockCap, type = 0): void {
    const n = this.keyLen;
    const buf = this.keyBuf;
    for (let i = 0; i < n; i++) if (buf[i] === k) return;
    if (n >= buf.length) {
      this.keyBuf = growInt32(buf, n + 1);
      this.keyCapBuf = growInt32(this.keyCapBuf, n + 1);
      this.keyTypeBuf = growInt32(this.keyTypeBuf, n + 1);
    }
    this.keyBuf[n] = k;
    this.keyCapBuf[n] = cap;
    this.keyTypeBuf[n] = type;
    this.keyLen = n + 1;
  }

  // -------------------------------------------------------------------------------------------
  // Key table

  private findKey(h: number): number {
    let i = fmix(h ^ 0x27d4eb2d) & this.keyMask;
    for (;;) {
      if (this.keyHead[i] === -1) return -1 - i;
      if (this.keyHash[i] === h) return i;
      i = (i + 1) & this.keyMask;
    }
  }

  private insertPosting(h: number, slot: number): void {
    let idx = this.findKey(h);
    if (idx < 0) {
      // Linear probing stays short up to ~70% load with a well-mixed hash.
      if ((this.keysUsed + 1) * 10 > (this.keyMask + 1) * 7) {
        this.growKeyTable();
        idx = this.findKey(h);
      }
      idx = -1 - idx;
      this.keyHash[idx] = h;
      this.keyCount[idx] = 0;
      this.keyHead[idx] = -1;
      this.keysUsed++;
    }
    const p = this.postings++;
    if (p >= this.postSlot.length) {
      this.postSlot = growInt32(this.postSlot, p + 1);
      this.postNext = growInt32(this.postNext, p + 1);
    }
    this.postSlot[p] = slot;
    this.postNext[p] = this.keyHead[idx] as number;
    this.keyHead[idx] = p;
    const c = ++(this.keyCount[idx] as number);
    this.keyCount[idx] = c;
    if (c === this.blockCap + 1) this.oversized++;
  }

  private growKeyTable(): void {
    const oldHash = this.keyHash;
    const oldHead = this.keyHead;
    const oldCount = this.keyCount;
    const size = (this.keyMask + 1) * 2;
    this.keyMask = size - 1;
    this.keyHash = new Int32Array(size);
    this.keyHead = new Int32Array(size).fill(-1);
    this.keyCount = new Int32Array(size);
    for (let i = 0; i < oldHead.length; i++) {
      if (oldHead[i] === -1) continue;
      const h = oldHash[i] as number;
      const j = -1 - this.findKey(h);
      this.keyHash[j] = h;
      this.keyHead[j] = oldHead[i] as number;
      this.keyCount[j] = oldCount[i] as number;
    }
  }

  private insertKeysFor(slot: number, rec: PreparedRecord): void {
    const n = this.identityKeys(rec);
    for (let i = 0; i < n; i++) this.insertPosting(this.keyBuf[i] as number, slot);
  }

  /** Drop dead slots from the posting lists by re-filing every live identity. */
  private rebuildPostings(): void {
    const size = 1 << 16;
    this.keyMask = size - 1;
    this.keyHash = new Int32Array(size);
    this.keyHead = new Int32Array(size).fill(-1);
    this.keyCount = new Int32Array(size);
    this.keysUsed = 0;
    this.postings = 0;
    this.oversized = 0;
    this.compact.reset();
    for (let s = 0; s < this.recs.length; s++) {
      const rec = this.recs[s];
      if (!rec) continue;
      this.compact.set(s, rec);
      this.insertKeysFor(s, rec);
    }
    this.dead = 0;
  }

  // -------------------------------------------------------------------------------------------
  // Search

  private prepareQuery(query: Query): PreparedQuery {
    const rec = prepareRecord(query, this.lookupToken, this.internPostcodeReadOnly);
    return { rec, tokensGiven: rec.given as IndexedToken[], tokensFamily: rec.family as IndexedToken[] };
  }

  /** Query tokens use the interned token when the name is known, without adding new ones. */
  private lookupToken = (s: string): NameToken => this.tokens.get(s) ?? toIndexedToken(makeNameToken(s), -1);

  private internPostcodeReadOnly = (raw: string): PostcodeParts | null => {
    const p = this.postcodes.get(postcodeKey(raw));
    return p === undefined ? parsePostcode(raw) : p;
  };

  /** Collect candidate slots for a prepared query into this.cand; returns how many. */
  private gatherCandidates(q: PreparedQuery): number {
    const nKeys = this.queryKeys(q);
    let gen = ++this.stampGen;
    if (gen === 0x7fffffff) {
      this.stamp.fill(0);
      this.stampGen = gen = 1;
    }
    let n = 0;
    for (let i = 0; i < nKeys; i++) {
      const idx = this.findKey(this.keyBuf[i] as number);
      if (idx < 0) continue;
      if ((this.keyCount[idx] as number) > (this.keyCapBuf[i] as number)) {
        if ((this.keyCapBuf[i] as number) === this.blockCap) this.oversizedHits++;
        else this.fallbackSkips++;
        continue;
      }
      const kt = this.keyTypeBuf[i] as number;
      this.postingsReadByType[kt] = (this.postingsReadByType[kt] as number) + (this.keyCount[idx] as number);
      for (let p = this.keyHead[idx] as number; p !== -1; p = this.postNext[p] as number) {
        const slot = this.postSlot[p] as number;
        if (this.stamp[slot] === gen || this.recs[slot] === null) continue;
        this.stamp[slot] = gen;
        if (n >= this.cand.length) this.cand = growInt32(this.cand, n + 1);
        this.cand[n++] = slot;
      }
    }
    return n;
  }

  /**
   * Search the index. Returns at most `limit` subjects (default 10), best first, each through
   * its best-scoring identity. Never throws on odd query content.
   */
  search(query: Query, options: SearchOptions = {}): Candidate[] {
    const limit = Math.max(0, options.limit ?? 10);
    const minRank = options.minBand ? BAND_RANK[options.minBand] : 0;
    const q = this.prepareQuery(query);
    const n = this.gatherCandidates(q);
    this.searches++;
    this.scoredTotal += n;
    const gen = this.stampGen;
    const cq = this.compact.prepare(q.rec);
    let nTouched = 0;
    for (let i = 0; i < n; i++) {
      const slot = this.cand[i] as number;
      const score = this.compact.score(cq, slot, this.recs[slot] as PreparedRecord, this.cp, this.live);
      const subj = this.slotSubject[slot] as number;
      if (this.subjStamp[subj] !== gen) {
        this.subjStamp[subj] = gen;
        this.subjBestScore[subj] = score;
        this.subjBestSlot[subj] = slot;
        this.touched[nTouched++] = subj;
      } else if (score > (this.subjBestScore[subj] as number) || (score === this.subjBestScore[subj] && slot < (this.subjBestSlot[subj] as number))) {
        this.subjBestScore[subj] = score;
        this.subjBestSlot[subj] = slot;
      }
    }
    const th = this.cp.params.thresholds;
    const minScore = minRank === 2 ? th.strong : minRank === 1 ? th.possible : -Infinity;
    const order: number[] = [];
    for (let i = 0; i < nTouched; i++) {
      const subj = this.touched[i] as number;
      if ((this.subjBestScore[subj] as number) >= minScore) order.push(subj);
    }
    order.sort(
      (a, b) => (this.subjBestScore[b] as number) - (this.subjBestScore[a] as number) || (this.subjBestSlot[a] as number) - (this.subjBestSlot[b] as number),
    );
    const out: Candidate[] = [];
    for (let i = 0; i < order.length && out.length < limit; i++) {
      const subj = order[i] as number;
      const slot = this.subjBestSlot[subj] as number;
      const explanation: FieldExplanation[] = [];
      const score = scorePair(q.rec, this.recs[slot] as PreparedRecord, this.cp, this, undefined, explanation);
      const band: Bands = bandFor(score, th);
      out.push({
        subjectId: this.subjectIds[subj] as string,
        identityId: this.ids[slot] as string,
        score,
        probability: probabilityFromScore(score, this.cp.params.priorLog2Odds),
        band,
        explanation,
      });
    }
    return out;
  }

  /**
   * Comparison vectors for every blocked candidate of a query (one Int8Array per pair), for
   * parameter estimation. `excludeSubject` skips the query's own subject when the query is
   * itself an indexed identity.
   */
  candidateVectors(query: Query, excludeSubject?: string): ComparisonVector[] {
    const q = this.prepareQuery(query);
    const n = this.gatherCandidates(q);
    const excl = excludeSubject === undefined ? -1 : (this.subjectByKey.get(excludeSubject) ?? -1);
    const out: ComparisonVector[] = [];
    for (let i = 0; i < n; i++) {
      const slot = this.cand[i] as number;
      if (this.slotSubject[slot] === excl) continue;
      const v = new Int8Array(8);
      scorePair(q.rec, this.recs[slot] as PreparedRecord, this.cp, this, v);
      out.push(v);
    }
    return out;
  }

  /**
   * For tests: every blocked candidate of a query scored by the fast scorer and by the reference
   * scorer (score.ts). They must agree.
   */
  scoreCandidatesBothWays(query: Query): { identityId: string; fast: number; reference: number }[] {
    const q = this.prepareQuery(query);
    const n = this.gatherCandidates(q);
    const cq = this.compact.prepare(q.rec);
    const out: { identityId: string; fast: number; reference: number }[] = [];
    for (let i = 0; i < n; i++) {
      const slot = this.cand[i] as number;
      const rec = this.recs[slot] as PreparedRecord;
      out.push({
        identityId: this.ids[slot] as string,
        fast: this.compact.score(cq, slot, rec, this.cp, this.live),
        reference: scorePair(q.rec, rec, this.cp, this),
      });
    }
    return out;
  }

  stats(): MatchIndexStats {
    return {
      identities: this.live,
      subjects: this.liveSubjects,
      distinctKeys: this.keysUsed,
      postings: this.postings,
      oversizedBlocks: this.oversized,
      oversizedBlockHits: this.oversizedHits,
      fallbackBlocksSkipped: this.fallbackSkips,
      postingsReadPerSearchByKeyType: Object.fromEntries(
        Object.entries(KEY_TYPE_NAMES).map(([t, name]) => [
          name,
          Math.round((100 * (this.postingsReadByType[Number(t)] as number)) / Math.max(1, this.searches)) / 100,
        ]),
      ),
      searches: this.searches,
      meanCandidatesScored: this.searches ? this.scoredTotal / this.searches : 0,
      deadSlots: this.dead,
      internedTokens: this.tokens.size,
    };
  }
}

/** Cache key for a raw postcode: case and punctuation folded, the outward/inward space kept. */
function postcodeKey(raw: string): string {
  return raw
    .toUpperCase()
    .replace(/[^A-Z0-9 ]/g, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/** DOB with day and month order ignored, as one number: year, smaller of dd/mm, larger. */
function dobUnordered(dob: string): number {
  const y = Number(dob.slice(0, 4));
  const a = Number(dob.slice(4, 6));
  const b = Number(dob.slice(6, 8));
  return y * 10000 + Math.min(a, b) * 100 + Math.max(a, b);
}
