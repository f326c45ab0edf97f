/**
 * The load generator for bench/load/run.ts, in a process of its own so that it does not share the
 * service's event loop: reads a plan on stdin, runs every scenario at once with autocannon, writes the
 * results as JSON on stdout. Each connection keeps one session (cookie and CSRF token) for its life.
 */
import autocannon from 'autocannon';

export interface Session {
  cookie: string;
  csrf: string;
}
export interface PlannedRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}
export interface Scenario {
  name: string;
  connections: number;
  sessions: Session[];
  requests: PlannedRequest[];
}
export interface Plan {
  url: string;
  seconds: number;
  scenarios: Scenario[];
}
export interface ScenarioResult {
  name: string;
  connections: number;
  requests: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
}

function run(url: string, seconds: number, s: Scenario): Promise<ScenarioResult> {
  let nextSession = 0;
  let nextRequest = 0;
  const statuses: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: s.connections,
        duration: seconds,
        timeout: 30,
        requests: [
          {
            setupRequest: (_req: autocannon.Request, ctx: object) => {
              const context = ctx as { session?: Session };
              context.session ??= s.sessions[nextSession++ % s.sessions.length];
              const session = context.session!;
              const r = s.requests[nextRequest++ % s.requests.length]!;
              return {
                method: r.method,
                path: r.path,
                headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...(r.body ? { 'content-type': 'application/json' } : {}) },
                ...(r.body ? { body: r.body } : {}),
              } as autocannon.Request;
            },
            onResponse: (status: number) => {
              statuses[status] = (statuses[status] ?? 0) + 1;
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        resolve({
          name: s.name,
          connections: s.connections,
          requests: result.requests.total,
          perSecond: result.requests.average,
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          max: result.latency.max,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statuses,
        });
      },
    );
  });
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const plan = JSON.parse(input) as Plan;
const results = await Promise.all(plan.scenarios.map((s) => run(plan.url, plan.seconds, s)));
process.stdout.write(JSON.stringify(results));
