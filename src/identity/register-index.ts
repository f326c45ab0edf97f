/**
 * The register index: every identity of every ACTIVE alert, in memory, for point-of-care search.
 *
 * Built from the database at start, then kept in step three ways:
 * - `refresh(db, alertId)` after a change this process made (the check service calls it on commit);
 * - LISTEN on the `beacon_alerts` channel: a trigger on `alerts` (status or version changed) and on
 *   `presentations` (new identities) NOTIFYs the alert id at commit, so every process sharing the
 *   database reloads that alert within milliseconds (PostgreSQL, and PGlite within its one process);
 * - a periodic reconciliation that compares (alert id, version, number of presentations) with the
 *   database and fixes any difference: the safety net for a notification lost while a listening
 *   connection was down.
 *
 * One alert is one subject. Its identities are every name (current, aliases, previous and maiden names)
 * × every date of birth she has given (including ones known to be false: she may give them again) ×
 * every NHS number, each carrying all her postcodes and the due date, plus the details she gave at each
 * presentation ("given at <unit> on <date>, unverified").
 *
 * Searches are synchronous and never see a half-updated alert: database reads happen first, then the
 * alert's identities are swapped in one synchronous step. Changes are applied one at a time, in order.
 */
import pg from 'pg';
import { and, count, eq, inArray } from 'drizzle-orm';
import type { AlertContent } from '../alerts/model';
import { alerts, alertVersions } from '../alerts/schema';
import type { Database, Db } from '../platform/db/engine';
import { MatchIndex } from './matching/index';
import type { Bands, FieldExplanation, Identity, MatchParameters, Query } from './matching/model';
import { normaliseNhsNumber } from './matching/nhs-number';
import { normaliseFamilyName, normaliseGivenName } from './matching/normalise';
import { splitFullName } from './matching/screen';
import { presentations } from './point-of-care/schema';

export const ALERTS_CHANNEL = 'beacon_alerts';

/** Bound on identities per alert (names × dates of birth × NHS numbers can multiply). */
export const MAX_IDENTITIES_PER_ALERT = 400;

/** What a woman gave at the point of care: every field optional. Dates are YYYY-MM-DD. */
export interface GivenDetails {
  givenName?: string | null;
  familyName?: string | null;
  /** Other names she gave, each a full name ("Beth Smith") or a single name. */
  otherNames?: string[] | null;
  dateOfBirth?: string | null;
  nhsNumber?: string | null;
  postcode?: string | null;
  edd?: string | null;
}

/** Details she gave as a matcher query. Other names add their parts as extra names to try. */
export function detailsToQuery(d: GivenDetails): Query {
  const given: string[] = d.givenName ? [d.givenName] : [];
  const family: string[] = d.familyName ? [d.familyName] : [];
  for (const o of d.otherNames ?? []) {
    const parts = splitFullName(o);
    given.push(...parts.given);
    family.push(...parts.family);
  }
  const q: Query = { givenNames: given, familyNames: family, postcodes: d.postcode ? [d.postcode] : [] };
  if (d.dateOfBirth) q.dateOfBirth = d.dateOfBirth;
  if (d.nhsNumber) q.nhsNumber = normaliseNhsNumber(d.nhsNumber);
  if (d.edd) q.edd = d.edd;
  return q;
}

/** Where an identity of an alert came from: shown to the clinician as "matched through …". */
export type IdentitySource = 'name' | 'alias' | 'previous' | 'maiden' | 'baby' | 'presentation';

export interface IdentityInfo {
  alertId: string;
  source: IdentitySource;
  knownFalseDob: boolean;
  /** e.g. "an alias on the alert, with a date of birth known to be false". Never the values themselves. */
  label: string;
}

/** A presentation's details, indexed as an unverified identity of the alert. */
export interface PresentationVariant {
  id: string;
  details: GivenDetails;
  placeName: string;
  presentedAt: Date | string;
}

const SOURCE_LABELS: Record<IdentitySource, string> = {
  name: 'her name on the alert',
  alias: 'an alias on the alert',
  previous: 'a previous name on the alert',
  maiden: 'a maiden name on the alert',
  baby: 'the baby’s details on the alert',
  presentation: 'details given at a presentation',
};

const dateFmt = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' });

const nameKey = (given: string | null | undefined, family: string | null | undefined) =>
  `${normaliseGivenName(given).join(' ')}|${normaliseFamilyName(family).join(' ')}`;

/**
 * The identities of one alert (pure). Identity ids are `<alertId>#<n>` for the content and
 * `<alertId>#p:<presentationId>` for presentation variants.
 */
export function alertIdentities(
  alertId: string,
  content: AlertContent,
  variants: readonly PresentationVariant[] = [],
): { identity: Identity; info: IdentityInfo }[] {
  const subject = (content?.subject ?? {}) as Partial<AlertContent['subject']>;
  const main = subject.name ?? { given: '', family: '' };
  const names: { given: string; family: string; source: IdentitySource }[] = [];
  const seen = new Set<string>();
  const addName = (given: string | null | undefined, family: string | null | undefined, source: IdentitySource) => {
    const g = given || main.given || '';
    const f = family || main.family || '';
    const k = nameKey(g, f);
    if (seen.has(k) || k === '|') return;
    seen.add(k);
    names.push({ given: g, family: f, source });
  };
  addName(main.given, main.family, 'name');
  for (const o of subject.otherNames ?? [])
    addName(o.name?.given, o.name?.family, o.kind === 'alias' || o.kind === 'previous' || o.kind === 'maiden' ? o.kind : 'alias');

  const dobs: { value: string | undefined; knownFalse: boolean }[] = (subject.datesOfBirth ?? []).map((d) => ({
    value: d.value,
    knownFalse: d.knownFalse === true,
  }));
  if (dobs.length === 0) dobs.push({ value: undefined, knownFalse: false });
  const nhsNumbers: (string | undefined)[] = (subject.nhsNumbers ?? []).map((n) => n.value);
  if (nhsNumbers.length === 0) nhsNumbers.push(undefined);
  const postcodes = [...new Set((subject.addresses ?? []).map((a) => a.postcode).filter((p): p is string => !!p))];
  const edd = content?.pregnancy?.edd ?? undefined;

  // Every combination when it fits; otherwise every name × date of birth with the first number, and
  // each further number once with her main name, so every recorded value is searchable.
  const combos: { n: (typeof names)[number]; d: (typeof dobs)[number]; nhs: string | undefined }[] = [];
  if (names.length * dobs.length * nhsNumbers.length <= MAX_IDENTITIES_PER_ALERT) {
    for (const n of names) for (const d of dobs) for (const nhs of nhsNumbers) combos.push({ n, d, nhs });
  } else {
    for (const n of names) for (const d of dobs) combos.push({ n, d, nhs: nhsNumbers[0] });
    for (const nhs of nhsNumbers.slice(1)) combos.push({ n: names[0]!, d: dobs[0]!, nhs });
  }

  const out: { identity: Identity; info: IdentityInfo }[] = [];
  for (const { n, d, nhs } of combos.slice(0, MAX_IDENTITIES_PER_ALERT)) {
    const identity: Identity = { id: `${alertId}#${out.length}`, subjectId: alertId, givenNames: [n.given], familyNames: [n.family], postcodes };
    if (d.value) identity.dateOfBirth = d.value;
    if (nhs) identity.nhsNumber = nhs;
    if (edd) identity.edd = edd;
    const label = SOURCE_LABELS[n.source] + (d.knownFalse ? ', with a date of birth known to be false' : '');
    out.push({ identity, info: { alertId, source: n.source, knownFalseDob: d.knownFalse, label } });
  }
  // Once the birth is recorded the alert covers the baby too: one identity with the baby's details
  // (a baby not yet named is often registered under the mother's family name).
  const birth = (
    content as { birth?: { babyGivenName?: string | null; babyFamilyName?: string | null; dateOfBirth?: string; nhsNumber?: string | null } } | null
  )?.birth;
  if (birth?.dateOfBirth) {
    const identity: Identity = {
      id: `${alertId}#baby`,
      subjectId: alertId,
      givenNames: birth.babyGivenName ? [birth.babyGivenName] : [],
      familyNames: [birth.babyFamilyName || main.family || ''].filter(Boolean),
      postcodes,
    };
    identity.dateOfBirth = birth.dateOfBirth;
    if (birth.nhsNumber) identity.nhsNumber = birth.nhsNumber;
    out.push({ identity, info: { alertId, source: 'baby', knownFalseDob: false, label: SOURCE_LABELS.baby } });
  }
  for (const v of variants) {
    const q = detailsToQuery(v.details);
    const identity: Identity = {
      id: `${alertId}#p:${v.id}`,
      subjectId: alertId,
      givenNames: q.givenNames ?? [],
      familyNames: q.familyNames ?? [],
      postcodes: q.postcodes ?? [],
    };
    if (q.dateOfBirth) identity.dateOfBirth = q.dateOfBirth;
    if (q.nhsNumber) identity.nhsNumber = q.nhsNumber;
    if (q.edd) identity.edd = q.edd;
    const when = dateFmt.format(typeof v.presentedAt === 'string' ? new Date(v.presentedAt) : v.presentedAt);
    out.push({ identity, info: { alertId, source: 'presentation', knownFalseDob: false, label: `details given at ${v.placeName} on ${when}, unverified` } });
  }
  return out;
}

/** One alert found by a search. */
export interface RegisterCandidate {
  alertId: string;
  reference: string;
  band: Bands;
  score: number;
  probability: number;
  /** The alert identity that matched best, and what it is ("an alias on the alert"). */
  identityId: string;
  matchedThrough: string;
  explanation: FieldExplanation[];
}

export interface RegisterIndexHealth {
  ready: boolean;
  alerts: number;
  identities: number;
  builtAt: Date | null;
  /** Last time the index was known to agree with the database (build or reconciliation). */
  lastSyncAt: Date | null;
  listening: boolean;
  /** Not listening and not reconciled for three intervals: it may have missed changes. */
  stale: boolean;
}

type Log = { info: (o: unknown, m?: string) => void; warn: (o: unknown, m?: string) => void; error: (o: unknown, m?: string) => void };
const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface RegisterIndexOptions {
  /** Reconciliation interval (default 30 s). 0 turns it off. */
  reconcileMs?: number;
  /** LISTEN for changes (default true). */
  listen?: boolean;
  params?: MatchParameters;
  log?: Log;
}

interface Entry {
  reference: string;
  signature: string;
  identityIds: string[];
}

interface LoadedAlert {
  id: string;
  reference: string;
  version: number;
  content: AlertContent;
  variants: PresentationVariant[];
}

const signatureOf = (version: number, variants: number) => `${version}:${variants}`;

export class RegisterIndex {
  private index: MatchIndex;
  private entries = new Map<string, Entry>();
  private info = new Map<string, IdentityInfo>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly reconcileMs: number;
  private readonly listenEnabled: boolean;
  private readonly log: Log;
  private timer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private stopped = true;
  private db: Db | null = null;
  private starting: Promise<void> | null = null;

  ready = false;
  builtAt: Date | null = null;
  lastSyncAt: Date | null = null;
  listening = false;
  /** Changes applied (refreshes that altered the index), for tests and health. */
  changesApplied = 0;

  constructor(private readonly options: RegisterIndexOptions = {}) {
    this.index = new MatchIndex(options.params ? { params: options.params } : {});
    this.reconcileMs = options.reconcileMs ?? 30_000;
    this.listenEnabled = options.listen ?? true;
    this.log = options.log ?? silent;
  }

  /** Run one change at a time, in order; a failure does not stop the ones after it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Load every active alert and replace the whole index with them. */
  build(db: Db): Promise<{ alerts: number; identities: number }> {
    return this.serial(async () => {
      const loaded = await loadActiveAlerts(db);
      const fresh = new MatchIndex(this.options.params ? { params: this.options.params } : {});
      const entries = new Map<string, Entry>();
      const info = new Map<string, IdentityInfo>();
      for (const a of loaded) entries.set(a.id, fillAlert(fresh, info, a));
      // Swap in one step: searches see the old index or the new one, never a partial one.
      this.index = fresh;
      this.entries = entries;
      this.info = info;
      this.ready = true;
      this.builtAt = new Date();
      this.lastSyncAt = this.builtAt;
      return { alerts: entries.size, identities: fresh.size };
    });
  }

  /** Reload one alert: added or replaced if active, removed otherwise. */
  refresh(db: Db, alertId: string): Promise<'added' | 'updated' | 'removed' | 'unchanged'> {
    return this.serial(async () => {
      const [loaded] = await loadActiveAlerts(db, [alertId]);
      return this.apply(alertId, loaded ?? null);
    });
  }

  private apply(alertId: string, loaded: LoadedAlert | null): 'added' | 'updated' | 'removed' | 'unchanged' {
    const had = this.entries.get(alertId);
    if (!loaded) {
      if (!had) return 'unchanged';
      this.index.removeSubject(alertId);
      for (const id of had.identityIds) this.info.delete(id);
      this.entries.delete(alertId);
      this.changesApplied++;
      return 'removed';
    }
    if (had) {
      this.index.removeSubject(alertId);
      for (const id of had.identityIds) this.info.delete(id);
    }
    this.entries.set(alertId, fillAlert(this.index, this.info, loaded));
    this.changesApplied++;
    return had ? 'updated' : 'added';
  }

  /**
   * Compare (alert id, version, number of presentations) of every active alert with what is indexed
   * and reload what differs. Cheap: one grouped query; alerts are reloaded only when they changed.
   */
  reconcile(db: Db): Promise<{ added: number; updated: number; removed: number }> {
    return this.serial(async () => {
      const current = await db
        .select({ id: alerts.id, version: alerts.version, variants: count(presentations.id) })
        .from(alerts)
        .leftJoin(presentations, eq(presentations.alertId, alerts.id))
        .where(eq(alerts.status, 'active'))
        .groupBy(alerts.id, alerts.version);
      const want = new Map(current.map((r) => [r.id, signatureOf(r.version, Number(r.variants))]));
      const changed = [...want].filter(([id, sig]) => this.entries.get(id)?.signature !== sig).map(([id]) => id);
      const gone = [...this.entries.keys()].filter((id) => !want.has(id));
      const result = { added: 0, updated: 0, removed: 0 };
      const loaded = changed.length ? await loadActiveAlerts(db, changed) : [];
      const byId = new Map(loaded.map((a) => [a.id, a]));
      for (const id of [...changed, ...gone]) {
        const r = this.apply(id, byId.get(id) ?? null);
        if (r !== 'unchanged') result[r]++;
      }
      this.lastSyncAt = new Date();
      if (result.added + result.updated + result.removed > 0) this.log.info({ ...result }, 'register index reconciled: differences fixed');
      return result;
    });
  }

  /** Candidates at the possible band or above, best first. */
  search(query: Query, limit = 10): RegisterCandidate[] {
    if (!this.ready) throw new Error('The register index is not built yet');
    return this.index.search(query, { limit, minBand: 'possible' }).map((c) => {
      const info = this.info.get(c.identityId);
      return {
        alertId: c.subjectId,
        reference: this.entries.get(c.subjectId)?.reference ?? '',
        band: c.band,
        score: c.score,
        probability: c.probability,
        identityId: c.identityId,
        matchedThrough: info?.label ?? 'the alert',
        explanation: c.explanation,
      };
    });
  }

  /** Whether an alert is in the index (active, as far as this process knows). */
  has(alertId: string): boolean {
    return this.entries.has(alertId);
  }

  get alertCount(): number {
    return this.entries.size;
  }

  health(now = Date.now()): RegisterIndexHealth {
    const stale =
      this.ready && !this.listening && (this.reconcileMs <= 0 || !this.lastSyncAt || now - this.lastSyncAt.getTime() > 3 * Math.max(this.reconcileMs, 1000));
    return {
      ready: this.ready,
      alerts: this.entries.size,
      identities: this.index.size,
      builtAt: this.builtAt,
      lastSyncAt: this.lastSyncAt,
      listening: this.listening,
      stale,
    };
  }

  /** Build, then keep in step (LISTEN and reconciliation) until stop(). Idempotent. */
  start(db: Db): Promise<void> {
    if (this.starting) return this.starting;
    this.stopped = false;
    this.db = db;
    this.starting = (async () => {
      // Listen first, so a change committed while building is not missed (it is applied after the build).
      if (this.listenEnabled) await this.connectListener();
      const built = await this.build(db);
      this.log.info(built, 'register index built');
      if (this.reconcileMs > 0) this.scheduleReconcile();
    })();
    return this.starting;
  }

  private scheduleReconcile(): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      if (this.stopped || !this.db) return;
      try {
        await this.reconcile(this.db);
      } catch (err) {
        this.log.error({ err }, 'register index reconciliation failed');
      }
      this.scheduleReconcile();
    }, this.reconcileMs);
    this.timer.unref();
  }

  private onNotify = (payload: string | undefined): void => {
    const db = this.db;
    if (this.stopped || !db || !payload) return;
    if (!/^[0-9a-f-]{36}$/i.test(payload)) return;
    this.refresh(db, payload).catch((err) => this.log.error({ err, alertId: payload }, 'register index refresh failed'));
  };

  private async connectListener(attempt = 0): Promise<void> {
    if (this.stopped || !this.db) return;
    try {
      this.unlisten = await listen(this.db, ALERTS_CHANNEL, this.onNotify, () => {
        // The connection was lost: notifications may be missed until we are back, so reconcile then.
        this.listening = false;
        this.unlisten = null;
        this.log.warn({}, 'register index lost its LISTEN connection; reconnecting');
        this.scheduleReconnect(0);
      });
      this.listening = true;
      if (attempt > 0 && this.db) await this.reconcile(this.db);
    } catch (err) {
      this.listening = false;
      this.log.warn({ err }, 'register index could not LISTEN; relying on reconciliation');
      this.scheduleReconnect(attempt + 1);
    }
  }

  private scheduleReconnect(attempt: number): void {
    if (this.stopped) return;
    const delay = Math.min(1000 * 2 ** attempt, 30_000);
    this.reconnectTimer = setTimeout(() => void this.connectListener(attempt + 1), delay);
    this.reconnectTimer.unref();
  }

  /** Stop listening and reconciling; waits for a change in progress so nothing queries a closed database. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.timer = null;
    this.reconnectTimer = null;
    await this.starting?.catch(() => undefined);
    const un = this.unlisten;
    this.unlisten = null;
    this.listening = false;
    await un?.().catch(() => undefined);
    await this.queue;
    this.starting = null;
  }
}

function fillAlert(index: MatchIndex, info: Map<string, IdentityInfo>, a: LoadedAlert): Entry {
  const ids: string[] = [];
  for (const { identity, info: i } of alertIdentities(a.id, a.content, a.variants)) {
    index.add(identity);
    info.set(identity.id, i);
    ids.push(identity.id);
  }
  return { reference: a.reference, signature: signatureOf(a.version, a.variants.length), identityIds: ids };
}

/** Active alerts with their current content and presentation variants; all of them, or those in `ids`. */
async function loadActiveAlerts(db: Db, ids?: string[]): Promise<LoadedAlert[]> {
  if (ids && ids.length === 0) return [];
  const where = ids ? and(eq(alerts.status, 'active'), inArray(alerts.id, ids)) : eq(alerts.status, 'active');
  const rows = await db
    .select({ id: alerts.id, reference: alerts.reference, version: alerts.version, content: alertVersions.content })
    .from(alerts)
    .innerJoin(alertVersions, and(eq(alertVersions.alertId, alerts.id), eq(alertVersions.version, alerts.version)))
    .where(where);
  if (rows.length === 0) return [];
  const variantRows = await db
    .select({
      id: presentations.id,
      alertId: presentations.alertId,
      details: presentations.details,
      placeName: presentations.placeName,
      presentedAt: presentations.presentedAt,
    })
    .from(presentations)
    .innerJoin(alerts, eq(alerts.id, presentations.alertId))
    .where(ids ? and(eq(alerts.status, 'active'), inArray(presentations.alertId, ids)) : eq(alerts.status, 'active'))
    .orderBy(presentations.presentedAt);
  const variants = new Map<string, PresentationVariant[]>();
  for (const v of variantRows) {
    const list = variants.get(v.alertId) ?? [];
    list.push({ id: v.id, details: v.details as GivenDetails, placeName: v.placeName, presentedAt: v.presentedAt });
    variants.set(v.alertId, list);
  }
  return rows.map((r) => ({ id: r.id, reference: r.reference, version: r.version, content: r.content as AlertContent, variants: variants.get(r.id) ?? [] }));
}

// ── LISTEN on either engine ─────────────────────────────────────────────────────────────────────────

interface PgliteLike {
  listen(channel: string, cb: (payload: string) => void): Promise<() => Promise<void>>;
}
interface PoolLike {
  options: { connectionString?: string; options?: string; connectionTimeoutMillis?: number };
  connect: unknown;
}

/**
 * LISTEN on `channel` through the engine under a drizzle database: PGlite's own listen (one process),
 * or a dedicated PostgreSQL connection (not one of the pool's). `onLost` is called once if that
 * connection drops. Returns a function that stops listening.
 */
export async function listen(db: Db, channel: string, onPayload: (payload: string | undefined) => void, onLost: () => void): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Invalid channel name ${channel}`);
  const client = (db as unknown as { $client?: unknown }).$client;
  if (client && typeof (client as PgliteLike).listen === 'function') {
    return (client as PgliteLike).listen(channel, (p) => onPayload(p));
  }
  if (client && typeof (client as PoolLike).connect === 'function' && (client as PoolLike).options) {
    const o = (client as PoolLike).options;
    const conn = new pg.Client({
      connectionString: o.connectionString,
      connectionTimeoutMillis: o.connectionTimeoutMillis ?? 10_000,
      ...(o.options ? { options: o.options } : {}),
    });
    let ended = false;
    const lost = () => {
      if (ended) return;
      ended = true;
      conn.end().catch(() => undefined);
      onLost();
    };
    conn.on('notification', (m) => {
      if (m.channel === channel) onPayload(m.payload);
    });
    conn.on('error', lost);
    conn.on('end', lost);
    await conn.connect();
    await conn.query(`LISTEN ${channel}`);
    return async () => {
      ended = true;
      await conn.end().catch(() => undefined);
    };
  }
  throw new Error('This database engine does not support LISTEN');
}

// ── One index per database ──────────────────────────────────────────────────────────────────────────

const indexes = new WeakMap<Database, RegisterIndex>();

/** The register index of a database (one per process and database), created on first use. */
export function registerIndexFor(database: Database, options: RegisterIndexOptions = {}): RegisterIndex {
  let idx = indexes.get(database);
  if (!idx) {
    idx = new RegisterIndex(options);
    indexes.set(database, idx);
  }
  return idx;
}
