/**
 * The assurance demo: a year of Southampton's alert history, played through the services at the times it
 * happened (raised and approved, delivered to the Princess Anne maternity unit and acknowledged there —
 * mostly within hours, some late, a few chased and escalated — renewed, stood down after the birth, or left
 * to expire), then Southampton's SOP audit of the last six complete months against the six before, signed
 * off by the partnership's manager, a draft audit of the last three months, and a draft protocol audit over its cases. So the audit pages show a
 * trend, a baseline, RAG and records to drill into on first start. Every woman is invented (demo/alerts.ts).
 */
import { distribute, chaseAcknowledgements } from '../alerts/distribution';
import { unitInbox } from '../alerts/lists';
import { acknowledge, approve, createDraft, expireDue, getAlert, renew, standDown, submit } from '../alerts/service';
import { listRuns, signOffRun, startRun } from '../assurance/audits';
import { partnershipByCode } from '../directory/service';
import { contextForEmail } from '../people/service';
import { addDays, londonDate } from '../platform/dates';
import type { Db } from '../platform/db/engine';
import { AREAS, contentFor, randomWoman } from './alerts';
import { addMonths } from '../assurance/audit-rules';
import { createDemoPeople } from './seed';
import type { DemoUser } from './directory-data';
import { Rng } from './rng';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const ASSURANCE_PEOPLE: DemoUser[] = [
  {
    email: 'partnership.southampton@beacon.example',
    displayName: 'Grace Whitfield',
    jobTitle: 'Business manager, Southampton Safeguarding Children Partnership',
    role: 'partnership_manager',
    odsCode: '852',
  },
];

type Step = { at: Date; run: () => Promise<unknown> };

/** Adds the history and the audits once (a second start adds nothing). Returns how many alerts it raised. */
export async function seedDemoAssurance(db: Db, opts: { password: string; now?: Date; count?: number; seed?: number }): Promise<number> {
  const now = opts.now ?? new Date();
  const southampton = await partnershipByCode(db, 'E06000045');
  if (!southampton) return 0;
  await createDemoPeople(db, ASSURANCE_PEOPLE, opts.password);
  const ctx = (email: string) => contextForEmail(db, email, 'seed-demo-assurance');
  const manager = await ctx('partnership.southampton@beacon.example');
  if ((await listRuns(db, manager)).length) return 0;
  const midwife = await ctx('midwife@beacon.example');
  const designated = await ctx('designated@beacon.example');
  const pah = await ctx('coordinator.pah@beacon.example');
  const area = AREAS.find((a) => a.town === 'Southampton')!;
  const rng = new Rng(opts.seed ?? 20_261_208);
  const count = opts.count ?? 96;

  // Each alert's life as steps at the times they happened; all steps run in time order, so every service sees the register as it was.
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    // Raised on a weekday in working hours, spread over the year before the last week.
    const raised = new Date(now.getTime() - (7 + rng.int(358)) * DAY);
    raised.setUTCHours(8 + rng.int(8), rng.int(60), 0, 0);
    // Later months are better: the SOP took hold (approval and acknowledgement sooner, fewer misses).
    const maturity = 1 - (now.getTime() - raised.getTime()) / (365 * DAY);
    const woman = randomWoman(rng, area);
    const content = contentFor(rng, woman, londonDate(raised), 'units', null, [pah.actor.unitId!]);
    const approvalHours = rng.chance(0.55 + 0.35 * maturity) ? 0.5 + rng.next() * 6 : 20 + rng.next() * 40;
    const approved = new Date(raised.getTime() + approvalHours * HOUR);
    const roll = rng.next();
    const ackHours = roll < 0.6 + 0.3 * maturity ? 0.2 + rng.next() * 8 : roll < 0.95 ? 26 + rng.next() * 30 : null;
    const edd = content.pregnancy!.edd as string;
    const born = new Date(Date.parse(`${edd}T10:00:00Z`) + rng.int(10) * DAY);
    const fate = rng.next();
    let id = '';
    steps.push({
      at: raised,
      run: async () => {
        id = (await createDraft(db, midwife, content)).id;
        await submit(db, midwife, id, raised);
      },
    });
    steps.push({
      at: approved,
      run: async () => {
        await approve(db, designated, id, { reviewWeeksAfterEdd: 6 }, null, approved);
        await distribute(db, { alertId: id, version: 1, kind: 'activation' }, new Date(approved.getTime() + 60_000 + rng.int(20) * 60_000));
      },
    });
    if (ackHours !== null) {
      const acked = new Date(approved.getTime() + ackHours * HOUR);
      steps.push({
        at: acked,
        run: async () => {
          const item = (await unitInbox(db, pah)).items.find((d) => d.alertId === id && !d.acknowledgedAt);
          if (!item) return;
          await getAlert(db, pah, id, 'acknowledge delivery', acked);
          await acknowledge(db, pah, item.id, rng.chance(0.3) ? 'Added to the unit safeguarding board' : null, acked);
        },
      });
    }
    // The chase runs hourly in the service: here once, a day and an hour after delivery, when it escalates what is still unacknowledged.
    const chased = new Date(approved.getTime() + 25 * HOUR);
    if (chased < now) steps.push({ at: chased, run: () => chaseAcknowledgements(db, { reminderHours: 4, escalateHours: 24 }, chased) });
    // After the birth: most are stood down; some are renewed while the plan is put in place; a few are left to expire.
    if (born < now) {
      if (fate < 0.75)
        steps.push({
          at: born,
          run: async () => {
            await standDown(db, midwife, id, rng.pick(['baby_delivered_safe', 'plan_in_place', 'found_safe'] as const), null, born);
            await distribute(db, { alertId: id, version: 2, kind: 'stand_down' }, new Date(born.getTime() + 60_000));
          },
        });
      else if (fate < 0.9)
        steps.push({
          at: new Date(born.getTime() + 30 * DAY),
          run: async () => renew(db, midwife, id, addDays(londonDate(born), 30 + 60), 'Discharge plan still being agreed', new Date(born.getTime() + 30 * DAY)),
        });
    }
  }
  // The expiry job runs daily in the service: here each morning that something is due.
  for (let day = new Date(now.getTime() - 365 * DAY); day < now; day = new Date(day.getTime() + 7 * DAY)) {
    const at = new Date(day);
    at.setUTCHours(6, 0, 0, 0);
    steps.push({ at, run: () => expireDue(db, at) });
  }
  steps.sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const s of steps) if (s.at < now) await s.run();

  // The audit: the last six complete months, with the six before as baseline, signed off; and a draft of the last three.
  const thisMonth = `${londonDate(now).slice(0, 7)}-01`;
  const frozen = await startRun(db, manager, { partnershipId: southampton.id, from: addMonths(thisMonth, -6), months: 6, baseline: true }, now);
  await signOffRun(db, manager, frozen.id, { note: `Southampton Safeguarding Children Partnership quality assurance subgroup, ${londonDate(now)}` }, now);
  await startRun(db, manager, { partnershipId: southampton.id, from: addMonths(thisMonth, -3), months: 3, baseline: false }, now);
  // And the protocol audit over Southampton's cases, running: from three months ago to three months ahead.
  await startRun(db, manager, { kind: 'protocol', partnershipId: southampton.id, from: addMonths(thisMonth, -3), months: 6, baseline: true }, now);
  return count;
}
