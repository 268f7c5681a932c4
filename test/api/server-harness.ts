// A real `runbook serve` server in this process (startServer on 127.0.0.1, a free port, its own temporary home) over
// in-memory hosts, alarms and tester, so whole changes run through HTTP in seconds; plus operators and a fetch helper.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { addOperator } from '../../lambdas/api/local-auth';
import { ssmCommandStatusEvent, type EventBus } from '../../lambdas/core/events';
import type { ChangeRequest, EnvironmentProfile } from '../../lambdas/core/schemas';
import type { CommandOutcome, HostCommands, LoadResult, LoadSpec, SendCommandRequest } from '../../lambdas/ports';
import { startServer, type RunningServer } from '../../bin/cli/serve';
import { eventually, FakeAlarms, FakeParameters, FakeTester, type StepBehaviour } from '../support/fakes';
import { testChange, testProfile } from '../support/harness';

/** Like the state-machine fakes, but a step can be held until the test lets it finish (to act while it runs). */
export class GatedHosts implements HostCommands {
  readonly sent: SendCommandRequest[] = [];
  private readonly outcomes = new Map<string, CommandOutcome>();
  private readonly gates = new Map<string, { promise: Promise<void>; open: () => void }>();
  private next = 0;

  constructor(private readonly bus: EventBus, private readonly behaviour: (req: SendCommandRequest) => StepBehaviour = () => ({ status: 'Success' })) {}

  /** The step of that name stays InProgress until open(name). */
  hold(stepName: string): void {
    let open = (): void => undefined;
    const promise = new Promise<void>((r) => { open = r; });
    this.gates.set(stepName, { promise, open });
  }

  open(stepName: string): void {
    this.gates.get(stepName)?.open();
  }

  async send(req: SendCommandRequest): Promise<{ commandId: string }> {
    this.next += 1;
    const commandId = `cmd-${String(this.next).padStart(4, '0')}`;
    this.sent.push(req);
    this.outcomes.set(commandId, { status: 'InProgress', stdout: '', stderr: '' });
    const b = this.behaviour(req);
    const gate = this.gates.get(req.step.name)?.promise ?? Promise.resolve();
    void gate.then(() => setTimeout(() => {
      this.outcomes.set(commandId, { status: b.status, exitCode: b.exitCode ?? (b.status === 'Success' ? 0 : 1), stdout: b.stdout ?? '', stderr: b.stderr ?? '' });
      this.bus.publish(ssmCommandStatusEvent({
        'command-id': commandId, 'document-name': req.step.document, 'expire-after': new Date(Date.now() + 3600e3).toISOString(),
        parameters: Object.fromEntries(Object.entries(req.step.parameters).map(([k, v]) => [k, [v]])),
        'requested-date-time': new Date().toISOString(), status: b.status,
      }, new Date()));
    }, 1));
    return { commandId };
  }

  async outcome(commandId: string): Promise<CommandOutcome> {
    return this.outcomes.get(commandId) ?? { status: 'Failed', stdout: '', stderr: `no command ${commandId}` };
  }

  stepNames(): string[] {
    return this.sent.map((s) => s.step.name);
  }
}

/** The load test can be held too, to find a change in TESTING. */
export class GatedTester extends FakeTester {
  gate: Promise<void> = Promise.resolve();
  override async load(baseUrl: string, spec: LoadSpec): Promise<LoadResult> {
    await this.gate;
    return super.load(baseUrl, spec);
  }
}

export interface Caller { name: string; token: string }

export interface TestServer {
  server: RunningServer;
  home: string;
  url: string;
  hosts: GatedHosts;
  alarms: FakeAlarms;
  tester: GatedTester;
  lines: string[];
  /** The OS user's operator (it submits the changes). */
  operator: Caller;
  /** technical, business, security and executive approvers, each limited to that role. */
  approvers: Record<'technical' | 'business' | 'security' | 'executive', Caller>;
  request(method: string, path: string, options?: { token?: string | null; body?: string; contentType?: string; headers?: Record<string, string> }): Promise<HttpResult>;
  submit(request: ChangeRequest, token?: string): Promise<HttpResult>;
  approve(id: string, role: keyof TestServer['approvers'], decision?: 'approve' | 'reject'): Promise<HttpResult>;
  approveAll(id: string, roles?: (keyof TestServer['approvers'])[]): Promise<void>;
  statusOf(id: string): Promise<string>;
  waitFor(id: string, predicate: (status: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface TestServerOptions {
  behaviour?: (req: SendCommandRequest) => StepBehaviour;
  profile?: EnvironmentProfile;
  monitorWindowMs?: number;
  home?: string;
  persist?: boolean;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'runbook-api-'));
  const lines: string[] = [];
  const tester = new GatedTester();
  let hosts: GatedHosts | undefined;
  let alarms: FakeAlarms | undefined;
  const approvers = {
    technical: { name: 'alice', token: '' }, business: { name: 'bob', token: '' }, security: { name: 'carol', token: '' }, executive: { name: 'erin', token: '' },
  };
  for (const [role, caller] of Object.entries(approvers)) {
    caller.token = addOperator(home, caller.name, { roles: [role as keyof typeof approvers] }).token;
  }
  const server = await startServer({
    home, profile: options.profile ?? testProfile(), port: 0, demo: false, persist: options.persist ?? false,
    operator: 'ops-operator', write: (l) => lines.push(l), cancelFollowIntervalMs: 10,
    adapters: (bus) => {
      hosts = new GatedHosts(bus, options.behaviour);
      alarms = new FakeAlarms(bus);
      return { hosts, alarms, metrics: alarms, tester, parameters: new FakeParameters() };
    },
    engine: {
      waitTimeOverrides: { 'Plan Wait For Change Window': 0, 'Monitor Window Timer': options.monitorWindowMs ?? 20 },
      retryIntervalOverrides: { 'Monitor Close Window': 5 },
    },
  });
  const request: TestServer['request'] = async (method, path, o = {}) => {
    const token = o.token === undefined ? server.token : o.token;
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(o.contentType ? { 'content-type': o.contentType } : {}), ...o.headers },
      ...(o.body !== undefined ? { body: o.body } : {}),
    });
    const text = await res.text();
    let json: unknown;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
  };
  const statusOf = async (id: string): Promise<string> => (await request('GET', `/changes/${id}`)).json?.status as string;
  const t: TestServer = {
    server, home, url: server.url, hosts: hosts as unknown as GatedHosts, alarms: alarms as unknown as FakeAlarms, tester, lines,
    operator: { name: 'ops-operator', token: server.token }, approvers, request,
    submit: (r, token) => request('POST', '/changes', { body: stringify(r), contentType: 'application/yaml', ...(token ? { token } : {}) }),
    approve: (id, role, decision = 'approve') => request('POST', `/changes/${id}/approvals`, {
      token: approvers[role].token, contentType: 'application/json', body: JSON.stringify({ role, decision, comment: `${role} says ${decision}` }),
    }),
    async approveAll(id, roles = ['technical', 'business', 'security']) {
      for (const role of roles) {
        const r = await t.approve(id, role);
        if (r.status >= 300) throw new Error(`approval ${role} of ${id}: ${r.status} ${r.text}`);
      }
    },
    statusOf,
    waitFor: (id, predicate, timeoutMs = 10_000) => eventually(() => statusOf(id), (s) => predicate(s), timeoutMs),
    async close() {
      await server.close();
      if (!options.home) rmSync(home, { recursive: true, force: true });
    },
  };
  return t;
}

/** The example change for the test environment under another id, optionally edited. */
export const change = (id: string, patch?: (r: Record<string, unknown>) => void): ChangeRequest => testChange(id, patch);
