// A real `runbook serve` server in this process (startServer on 127.0.0.1, a free port, its own temporary home) over
// in-memory hosts, alarms and tester, so whole changes run through HTTP in seconds; plus operators and a fetch helper.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { addOperator, OPERATORS_FILE } from '../../lambdas/api/local-auth';
import type { ChangeRequest, EnvironmentProfile } from '../../lambdas/core/schemas';
import type { LoadResult, LoadSpec, SendCommandRequest } from '../../lambdas/ports';
import { startServer, type RunningServer } from '../../bin/cli/serve';
import { eventually, FakeAlarms, FakeHostCommands, FakeParameters, FakeTester, type StepBehaviour } from '../support/fakes';
import { testChange, testProfile } from '../support/harness';

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
  hosts: FakeHostCommands;
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
  /** Until the execution has ended: a change shows its final status a little before its notification is sent. */
  settled(executionName: string): Promise<void>;
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
  let hosts: FakeHostCommands | undefined;
  let alarms: FakeAlarms | undefined;
  const approvers = {
    technical: { name: 'alice', token: '' }, business: { name: 'bob', token: '' }, security: { name: 'carol', token: '' }, executive: { name: 'erin', token: '' },
  };
  // A restart in the same home issues the approvers new tokens (only hashes were kept).
  rmSync(join(home, OPERATORS_FILE), { force: true });
  for (const [role, caller] of Object.entries(approvers)) {
    caller.token = addOperator(home, caller.name, { roles: [role as keyof typeof approvers] }).token;
  }
  const server = await startServer({
    home, profile: options.profile ?? testProfile(), port: 0, demo: false, persist: options.persist ?? false,
    operator: 'ops-operator', write: (l) => lines.push(l),
    adapters: (bus) => {
      hosts = new FakeHostCommands(bus, options.behaviour);
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
    server, home, url: server.url, hosts: hosts as unknown as FakeHostCommands, alarms: alarms as unknown as FakeAlarms, tester, lines,
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
    settled: async (name) => { await server.runtime.engine.wait(name); },
    async close() {
      await server.close();
      if (!options.home) rmSync(home, { recursive: true, force: true });
    },
  };
  return t;
}

/** The example change for the test environment under another id, optionally edited. */
export const change = (id: string, patch?: (r: Record<string, unknown>) => void): ChangeRequest => testChange(id, patch);
