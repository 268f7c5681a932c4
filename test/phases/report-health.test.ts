// API Health, Database and Cache in the report and the QC summary come from checks made as the report is written,
// through the runbook-Dependencies document on the profile's targets: a dead service or database reads UNHEALTHY,
// whatever the last step or pre-flight said.
import { createServer, type Server } from 'node:http';
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import type { ChangeRecord } from '../../lambdas/core/records';
import { healthNow, REPORT_HEALTH_STEP } from '../../lambdas/phases/report';
import { clientSandbox, type ClientSandbox } from '../support/client-sandbox';
import { createHarness, testProfile, type Harness } from '../support/harness';
import { silentLog } from '../support/fakes';

jest.setTimeout(60_000);

const DB = 'postgresql://db.internal:5432/kis_db';
const CACHE = 'redis://cache.internal:6379';
const HEALTH = 'http://127.0.0.1:9/api/v1/health';

// On AWS the REPORT function sends the check with ssm:SendCommand (https://docs.aws.amazon.com/goto/cli2/ssm-2014-11-06/SendCommand)
// and reads it back as the other host commands are (ssm:ListCommandInvocations / GetCommandInvocation): lib/functions.ts
// gives it sendCommands and commandResults, and test/infra/iam-derived.test.ts checks the role against these calls.
describe('the report health lines in a run', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  it('should read the service and database UNHEALTHY when the check at report time finds them down, whatever pre-flight saw', async () => {
    // Prepare: pre-flight found everything up; by the report the database and the service are gone.
    h = createHarness({
      behaviour: (req) => {
        if (req.step.name === 'preflight-dependencies') return { status: 'Success', stdout: `{"endpoints":{"${HEALTH}":"REACHABLE","${DB}":"REACHABLE","${CACHE}":"REACHABLE"},"checks":{},"warnings":[]}` };
        if (req.step.name === REPORT_HEALTH_STEP) {
          return { status: 'Success', stdout: `{"endpoints":{"${HEALTH}":"UNREACHABLE","${DB}":"UNREACHABLE","${CACHE}":"REACHABLE"},"checks":{"${HEALTH}":"http","${DB}":"psql","${CACHE}":"redis-cli"},"warnings":["${HEALTH}","${DB}"]}` };
        }
        return { status: 'Success' };
      },
    });
    const profile = testProfile({ dependencies: [{ name: 'db', kind: 'postgres', url: DB }, { name: 'cache', kind: 'redis', url: CACHE }] });
    const name = await h.submit(undefined, profile);
    await h.approveAll('CR-2026-900');

    // Act
    await h.finish(name);

    // Assess
    const stored = await h.store.getReport('CR-2026-900');
    const qc = stored?.qcSummary.split('\n') ?? [];
    expect(qc).toContain(`API Health: UNHEALTHY (${HEALTH} UNREACHABLE; http at report)`);
    expect(qc).toContain(`Database: UNHEALTHY (${DB} UNREACHABLE; psql at report)`);
    expect(qc).toContain('Cache: HEALTHY (redis-cli at report)');
    const sent = h.hosts.sent.find((r) => r.step.name === REPORT_HEALTH_STEP);
    expect(sent?.step).toMatchObject({ document: 'runbook-Dependencies', parameters: { Endpoints: '', WarnEndpoints: [HEALTH, DB, CACHE].join(',') } });
    // The report-time check is not a pre-flight warning.
    expect(JSON.stringify((stored?.report as { issues: unknown[] }).issues)).not.toContain('pre-flight warning');
  });
});

describe('healthNow through the real document', () => {
  let sandbox: ClientSandbox;
  let service: Server;
  let servicePort: number;

  const change = (healthUrl: string): ChangeRecord => ({
    id: 'CR-2026-980',
    profile: testProfile({ healthCheck: { urls: [healthUrl] }, dependencies: [{ name: 'db', kind: 'postgres', url: 'postgresql://127.0.0.1:5433/kis_db' }] }),
  }) as unknown as ChangeRecord;

  beforeEach(async () => {
    sandbox = clientSandbox();
    // A psql that cannot reach its database: the check must say UNHEALTHY and that psql ran.
    sandbox.fakeClient('psql', '', 2);
    service = createServer((_req, res) => { res.writeHead(200).end('{"status":"healthy"}'); });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    servicePort = (service.address() as { port: number }).port;
  });

  afterEach(async () => {
    await sandbox.close();
    await new Promise<void>((resolve) => service.close(() => resolve()));
  });

  it('should read a live service HEALTHY and a dead one UNHEALTHY, and a database psql cannot query UNHEALTHY', async () => {
    // Prepare
    const deps = { hosts: sandbox.hosts, store: new MemoryChangeStore(), clock: { now: () => new Date() }, log: silentLog };
    const live = `http://127.0.0.1:${servicePort}/api/v1/health`;

    // Act
    const up = await healthNow(deps, change(live), 1, { pollIntervalMs: 20 });
    await new Promise<void>((resolve) => service.close(() => resolve()));
    service = createServer();
    const down = await healthNow(deps, change(live), 1, { pollIntervalMs: 20 });

    // Assess
    expect(up).toEqual({ api: 'HEALTHY (http at report)', database: 'UNHEALTHY (postgresql://127.0.0.1:5433/kis_db UNREACHABLE; psql at report)' });
    expect(down.api).toBe(`UNHEALTHY (${live} UNREACHABLE; http at report)`);
    expect((await deps.store.listCommands('CR-2026-980', 1)).map((c) => [c.phase, c.stepName])).toEqual([['REPORT', REPORT_HEALTH_STEP], ['REPORT', REPORT_HEALTH_STEP]]);
  });
});
