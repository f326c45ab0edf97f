/**
 * What the HTTP benchmarks share: synthetic alert content, the check body a ward system sends, signing
 * in through the form as a browser does, and the figures (percentiles, a plain table).
 */
import { type AlertContent, effectiveReviewDate, parseAlertContent } from '../src/alerts/model';
import { addDays, londonDate } from '../src/alerts/pregnancy';
import { alerts, alertVersions } from '../src/alerts/schema';
import { spawn } from 'node:child_process';
import type { Query } from '../src/identity/matching/model';
import { createUser } from '../src/people/service';
import { systemContext } from '../src/platform/context';
import type { Actor, RequestContext } from '../src/platform/context';
import type { Db } from '../src/platform/db/engine';
import { generatePerson, type Person, type Rng } from './match/synthetic';

/** The demo people's password in the benchmarks (seedDemo(db, BENCH_PASSWORD)). */
export const BENCH_PASSWORD = 'correct horse battery staple 42';

/** The alert a safeguarding midwife would raise about `p`: validated as submit validates it. */
export function alertInput(p: Person, today: string): unknown {
  return {
    subject: {
      name: { given: p.middle ? `${p.forename} ${p.middle}` : p.forename, family: p.surname },
      otherNames: [
        ...p.previousSurnames.map((family) => ({ kind: 'previous', name: { given: p.forename, family } })),
        ...p.aliases.map((a) => ({ kind: 'alias', name: { given: a.forename, family: a.surname } })),
      ],
      datesOfBirth: [{ value: p.dob }, ...(p.otherDob ? [{ value: p.otherDob, knownFalse: true }] : [])],
      nhsNumbers: p.nhsKnown ? [{ value: p.nhs, verification: 'pds_trace' }] : [],
      addresses: [
        { kind: 'current', address: '14 Orchard Lane', postcode: p.postcode },
        ...p.previousPostcodes.map((postcode, i) => ({ kind: 'previous', address: `${i + 2} Mill Road`, postcode })),
      ],
      phones: [],
      physicalDescription: 'Slight build',
    },
    associatedPeople: [],
    pregnancy: { edd: p.edd, bookingStatus: 'unbooked', concealment: 'concealed', cpis: { checkedAt: addDays(today, -1), result: 'no_plan' } },
    risk: {
      criteria: ['unbooked', 'likely_to_evade'],
      reason: 'Unborn baby subject to pre-birth assessment; she has moved without telling services.',
      actionOnPresentation: 'Do not discharge the baby before speaking to the duty social worker.',
      inHoursContact: { name: 'Southampton MASH', phone: '023 8083 3336' },
      outOfHoursContact: { name: 'Emergency duty team', phone: '023 8023 3344' },
    },
    lawfulBasis: 'public_task_safeguarding',
    distribution: { scope: 'icb', geographyCode: 'QRL', scopeReason: 'She has links across Hampshire and the Isle of Wight.' },
  };
}

/** The JSON body a ward system would send for a matcher query. */
export function bodyOf(q: Query): Record<string, string> {
  const b: Record<string, string> = {};
  if (q.givenNames?.length) b.givenName = q.givenNames.join(' ');
  if (q.familyNames?.length) b.familyName = q.familyNames[0]!;
  if (q.dateOfBirth) b.dateOfBirth = q.dateOfBirth;
  if (q.nhsNumber) b.nhsNumber = q.nhsNumber;
  if (q.postcodes?.length) b.postcode = q.postcodes[0]!;
  if (q.edd) b.edd = q.edd;
  return b;
}

function cookieJar() {
  const jar = new Map<string, string>();
  return {
    take(res: Response) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        if (value === '' || /max-age=0/i.test(c)) jar.delete(name);
        else jar.set(name, value);
      }
    },
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    has: (name: string) => jar.has(name),
  };
}

export async function signIn(base: string, email: string, password = BENCH_PASSWORD): Promise<{ cookie: string; csrf: string }> {
  const jar = cookieJar();
  const page = await fetch(`${base}/sign-in`, { redirect: 'manual' });
  jar.take(page);
  const html = await page.text();
  const formToken = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!formToken) throw new Error('no CSRF token on the sign-in page');
  const res = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
    body: new URLSearchParams({ _csrf: formToken, email, password }).toString(),
  });
  jar.take(res);
  await res.arrayBuffer();
  if (res.status !== 302 || !jar.has('beacon_session')) throw new Error(`sign-in as ${email} answered ${res.status}`);
  const session = await fetch(`${base}/api/session`, { headers: { cookie: jar.header() } });
  jar.take(session);
  const json = (await session.json()) as { csrfToken?: string };
  if (session.status !== 200 || !json.csrfToken) throw new Error(`GET /api/session answered ${session.status}`);
  return { cookie: jar.header(), csrf: json.csrfToken };
}

export const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
export const fmt = (x: number) => (Number.isNaN(x) ? '–' : x < 1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(1));
export const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : '–');

export function table(head: string[], rows: string[][]) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/**
 * `count` active alerts about synthetic women (validated with the alert content schema, as submit
 * validates them), written in bulk: alert and version 1, approved, with no fan-out. References BCN-Z…
 */
export async function insertSyntheticAlerts(
  db: Db,
  raiser: RequestContext & { actor: Actor },
  approver: RequestContext & { actor: Actor },
  count: number,
  rng: Rng,
  now: Date,
): Promise<{ people: { person: Person; id: string }[]; rejected: number }> {
  const today = londonDate(now);
  const people: { person: Person; id: string }[] = [];
  let rejected = 0;
  let firstRejection = '';
  const rows: { alert: typeof alerts.$inferInsert; content: AlertContent }[] = [];
  const REF = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  for (let n = 0; rows.length < count && n < count * 3; n++) {
    const p = generatePerson(rng, `s${n}`);
    // Due between one and forty weeks from today (the synthetic dates are anchored elsewhere).
    p.edd = addDays(today, 7 + rng.int(273));
    let content: AlertContent;
    try {
      content = parseAlertContent(alertInput(p, today), now);
    } catch (err) {
      rejected++;
      firstRejection ||= JSON.stringify((err as { fieldErrors?: unknown }).fieldErrors ?? (err as Error).message).slice(0, 300);
      continue;
    }
    const k = rows.length;
    const reference = `BCN-Z${Array.from({ length: 5 }, (_, d) => REF[Math.floor(k / 32 ** d) % 32]).join('')}`;
    rows.push({
      alert: {
        reference,
        status: 'active',
        version: 1,
        originatorUserId: raiser.actor.userId,
        originatorOrganisationId: raiser.actor.organisationId,
        approverUserId: approver.actor.userId,
        approvedAt: now,
        edd: content.pregnancy.edd,
        reviewDate: effectiveReviewDate(content, 6),
      },
      content,
    });
    people.push({ person: p, id: '' });
  }
  if (rows.length < count) throw new Error(`only ${rows.length} of ${count} synthetic alerts were valid (first problem: ${firstRejection})`);
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = rows.slice(start, start + 500);
    await db.transaction(async (tx) => {
      const ids = await tx
        .insert(alerts)
        .values(chunk.map((r) => r.alert))
        .returning({ id: alerts.id });
      await tx
        .insert(alertVersions)
        .values(ids.map((r, i) => ({ alertId: r.id, version: 1, status: 'active', content: chunk[i]!.content, createdByUserId: raiser.actor.userId })));
      ids.forEach((r, i) => {
        people[start + i]!.id = r.id;
      });
    });
  }
  return { people, rejected };
}

/**
 * Run a Node process that reads `input` as JSON on stdin and writes its answer as JSON on stdout (the
 * benchmarks' load generators, so client work never shares the service's event loop). Killed after
 * `killAfterMs` as a backstop if something hangs.
 */
export function runJsonProcess<T>(args: string[], input: unknown, killAfterMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      if (code !== 0) return reject(new Error(`${what} exited with ${code}: ${err.trim()}`));
      resolve(JSON.parse(out) as T);
    });
    child.stdin.end(JSON.stringify(input));
  });
}

/** `count` point-of-care people in the unit of `like` (the demo ED nurse), signed in with BENCH_PASSWORD; their emails. */
export async function createBenchClinicians(db: Db, like: RequestContext & { actor: Actor }, count: number, prefix: string): Promise<string[]> {
  const emails: string[] = [];
  for (let i = 1; i <= count; i++) {
    const email = `${prefix}.${i}@beacon.example`;
    await createUser(
      db,
      systemContext(prefix),
      {
        email,
        displayName: `Bench clinician ${i}`,
        jobTitle: 'Emergency department nurse',
        organisationId: like.actor.organisationId,
        role: 'point_of_care',
        unitId: like.actor.unitId ?? '',
      },
      { password: BENCH_PASSWORD },
    );
    emails.push(email);
  }
  return emails;
}
