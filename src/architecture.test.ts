import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The shape of the code, read from its import statements (issue 11). The folders under src/ are:
 *  - interfaces, which may import anything: modules.ts (the composition root's list of modules), app.ts and
 *    server.ts and main.ts (the process), cli/ (the `beacon` command), demo/ (demo data through the services);
 *  - platform/ and config.ts: domain-neutral, importing no capability;
 *  - capabilities (alerts, identity, cases, escalations, people, directory, home, assurance …).
 * Rules: no capability imports an interface; platform imports no capability; no new cycle between
 * capabilities; no new read of another capability's tables (its schema.ts) outside that capability.
 * What the code does today and is still to be untangled is listed below with the reason, so the list
 * can only shrink: a new entry needs a reason a reviewer accepts.
 */

const SRC = path.dirname(fileURLToPath(import.meta.url));
const INTERFACES = new Set(['app', 'server', 'main', 'modules', 'cli', 'demo']);
const NEUTRAL = new Set(['platform', 'config', 'schema', 'views']);

/** Cycles between capabilities that exist today, each with what untangling it takes. */
const KNOWN_CYCLES: Record<string, string> = {
  'alerts identity':
    'The alert page shows its presentations (identity/point-of-care) and the point-of-care check reads alerts. To untangle: presentations behind a point-of-care service call the alert page asks, not its table.',
  'cases escalations':
    'A case shows its escalations and an escalation belongs to a case (requireCase). To untangle: the case summary asks the escalations service through an interface the composition root wires.',
};

/**
 * Files that read another capability's tables today. `schema.ts → schema.ts` (a foreign key) is allowed and
 * not listed. Everything here should become a call to the owning capability's service.
 */
const KNOWN_TABLE_READS: Record<string, string> = {
  // Names of organisations and units for display, and recipients: the directory is reference data for all.
  'alerts/service.ts → directory': 'organisation and unit names on the alert page',
  'alerts/distribution.ts → directory': 'recipient units and their mailboxes',
  'alerts/birth.ts → directory': 'the place of birth (a unit) must exist',
  'alerts/lists.ts → directory': 'organisation names in the lists and the ICB of each alert in the approval queue',
  'cases/service.ts → directory': 'agency names on a case',
  'learning/booking.ts → directory': 'delegates’ organisation names on registers and training records',
  'learning/results.ts → directory': 'organisation names for results by agency',
  'cases/routes.ts → directory': 'the organisation picker',
  'cases/linked-alerts.ts → directory': 'originator organisation names',
  'cases/chronology/service.ts → directory': 'names in the chronology',
  'cases/milestones/service.ts → directory': 'the lead organisation of overdue milestones',
  'cases/protocols/service.ts → directory': 'area names for protocol versions',
  'cases/details/service.ts → directory': 'who recorded a fact',
  'escalations/service.ts → directory': 'agency names when raising',
  'escalations/access.ts → directory': 'the raising organisation’s area (a standalone escalation is in it)',
  'escalations/notify.ts → directory': 'agency names in the emails',
  'escalations/reading.ts → directory': 'agency names in lists and on the page',
  'escalations/report.ts → directory': 'area names in the partnership view',
  'people/service.ts → directory': 'organisations and units of memberships',
  'identity/point-of-care/service.ts → directory': 'unit names where she presented',
  'identity/point-of-care/outcome.ts → directory': 'the place she presented, and the owners’ safeguarding mailboxes',
  'identity/point-of-care/presentations.ts → directory': 'unit and organisation names on a presentation',
  'assurance/discharge-overrides.ts → directory': 'organisation names in the report',
  'clients/service.ts → directory': 'the organisation and unit a client belongs to, by name',
  'webhooks/service.ts → directory': 'the organisation a subscription belongs to, by name',
  // Reads across capabilities that should be service calls.
  'alerts/housekeeping.ts → identity':
    'purging an alert’s personal data after retention purges its presentations too (one transaction); should become a point-of-care service call',
  'identity/register-index.ts → alerts': 'the register index is built from alert versions',
  'identity/point-of-care/service.ts → alerts': 'the alert content a reveal shows',
  'identity/point-of-care/outcome.ts → alerts': 'the alert a presentation is of, and its owners',
  'identity/point-of-care/presentations.ts → alerts': 'the alerts a presentation list is scoped by (their originating organisation)',
  'cases/linked-alerts.ts → alerts': 'linked alerts, filtered through requireAlert/viewableAlertIds',
  'cases/service.ts → alerts': 'alert references on a case',
  'cases/service.ts → identity': 'point-of-care variants of linked alerts',
  'cases/chronology/service.ts → alerts': 'alert events in the chronology',
  'cases/chronology/service.ts → identity': 'presentations in the chronology',
  'escalations/service.ts → cases': 'the case an escalation belongs to (its updated time when one changes)',
  'escalations/access.ts → cases': 'the area of the case an escalation belongs to',
  'escalations/reading.ts → cases': 'the case reference in lists',
  'assurance/discharge-overrides.ts → cases': 'discharge decisions for the overrides report',
};

interface Import {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
    out.push({ from: path.relative(SRC, file), to: path.relative(SRC, path.resolve(path.dirname(file), m[1]!)) });
  }
  for (const m of text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    out.push({ from: path.relative(SRC, file), to: path.relative(SRC, path.resolve(path.dirname(file), m[1]!)) });
  }
  return out;
}

/** The top folder (or top-level file without .ts) a path under src/ belongs to. */
const areaOf = (rel: string) => rel.split(path.sep)[0]!.replace(/\.ts$/, '');
const isCapability = (area: string) => !INTERFACES.has(area) && !NEUTRAL.has(area);

const imports = sourceFiles(SRC).flatMap(importsOf);

describe('the import graph', () => {
  it('reads a real tree', () => {
    expect(imports.length).toBeGreaterThan(300);
  });

  it('no capability or platform file imports app.ts, server.ts, main.ts or the command line', () => {
    const bad = imports.filter((i) => !INTERFACES.has(areaOf(i.from)) && INTERFACES.has(areaOf(i.to))).map((i) => `${i.from} → ${i.to}`);
    expect(bad).toEqual([]);
  });

  it('platform and config import no capability (platform/db/engine.ts reads the table list in src/schema.ts)', () => {
    const bad = imports
      .filter((i) => ['platform', 'config'].includes(areaOf(i.from)) && !['platform', 'config'].includes(areaOf(i.to)))
      .filter((i) => !(i.from === path.join('platform', 'db', 'engine.ts') && i.to === 'schema'))
      .map((i) => `${i.from} → ${i.to}`);
    expect(bad).toEqual([]);
  });

  it('no cycle between capabilities but the known ones', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of imports) {
      const [a, b] = [areaOf(i.from), areaOf(i.to)];
      if (a !== b && isCapability(a) && isCapability(b)) edges.set(a, (edges.get(a) ?? new Set()).add(b));
    }
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
      for (const n of edges.get(from) ?? []) {
        if (n === to) return true;
        if (!seen.has(n)) {
          seen.add(n);
          if (reaches(n, to, seen)) return true;
        }
      }
      return false;
    };
    const pairs = new Set<string>();
    for (const [a, targets] of edges) for (const b of targets) if (reaches(b, a)) pairs.add([a, b].sort().join(' '));
    const unexplained = [...pairs].filter((p) => !(p in KNOWN_CYCLES));
    expect(unexplained, 'a new cycle between capabilities').toEqual([]);
    // A known cycle that is gone must come off the list.
    expect(
      Object.keys(KNOWN_CYCLES).filter((p) => !pairs.has(p)),
      'cycles listed that no longer exist',
    ).toEqual([]);
  });

  it('every capability folder has a module object, listed once by the composition root (src/modules.ts)', () => {
    const capabilities = fs
      .readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory() && isCapability(e.name))
      .map((e) => e.name)
      .sort();
    expect(capabilities.length).toBeGreaterThan(5);
    const missing = capabilities.filter((c) => !fs.existsSync(path.join(SRC, c, 'module.ts')));
    expect(missing, 'capabilities without a module.ts').toEqual([]);
    const listed = imports.filter((i) => i.from === 'modules.ts').map((i) => i.to);
    const unlisted = capabilities.filter((c) => !listed.includes(path.join(c, 'module')));
    expect(unlisted, 'modules not listed in src/modules.ts').toEqual([]);
  });

  it("no capability reads another's tables but the known ones", () => {
    const found = new Set<string>();
    for (const i of imports) {
      const [a, b] = [areaOf(i.from), areaOf(i.to)];
      if (a === b || !isCapability(a) || !isCapability(b) || !i.to.endsWith(`${path.sep}schema`)) continue;
      if (i.from.endsWith(`${path.sep}schema.ts`)) continue; // a foreign key
      found.add(`${i.from.split(path.sep).join('/')} → ${b}`);
    }
    expect([...found].filter((k) => !(k in KNOWN_TABLE_READS)).sort(), 'new reads of another capability’s tables').toEqual([]);
    expect(
      Object.keys(KNOWN_TABLE_READS)
        .filter((k) => !found.has(k))
        .sort(),
      'listed reads that no longer happen',
    ).toEqual([]);
  });
});
