// runbook-Dependencies queries a database and a cache as the seed does (psql "SELECT 1" or pg_isready, redis-cli ping)
// when those clients are on the host, says which check ran, and falls back to a TCP connect when they are not. The
// clients here are stand-ins on a PATH of their own, so the test decides which exist and sees the arguments given.
import { createServer, type Server } from 'node:net';
import { runToEnd } from '../adapters/local/harness';
import { clientSandbox, type ClientSandbox } from '../support/client-sandbox';

jest.setTimeout(60_000);

describe('runbook-Dependencies database and cache checks', () => {
  let sandbox: ClientSandbox;
  let listener: Server;
  let openPort: number;

  const fakeClient = (name: string, stdout: string, exitCode = 0): void => sandbox.fakeClient(name, stdout, exitCode);
  const argsOf = (name: string): string[] => sandbox.argsOf(name);
  const check = (parameters: Record<string, string>) => runToEnd(sandbox.hosts, sandbox.bus, 'runbook-Dependencies', { TimeoutSeconds: '2', ...parameters });

  beforeEach(async () => {
    sandbox = clientSandbox();
    listener = createServer((s) => s.end());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    openPort = (listener.address() as { port: number }).port;
  });

  afterEach(async () => {
    await sandbox.close();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  it('should query the database with psql "SELECT 1" and the cache with redis-cli ping, each argument passed as one', async () => {
    // Prepare
    fakeClient('psql', '1');
    fakeClient('pg_isready', '', 0);
    fakeClient('redis-cli', 'PONG');
    const db = 'postgresql://kis_user@127.0.0.1:5433/kis_db';
    const cache = 'redis://127.0.0.1:6380';

    // Act
    const r = await check({ Endpoints: `${db},${cache}` });

    // Assess
    expect(r.event.detail.status).toBe('Success');
    expect(r.result).toEqual({ endpoints: { [db]: 'REACHABLE', [cache]: 'REACHABLE' }, checks: { [db]: 'psql', [cache]: 'redis-cli' }, warnings: [] });
    expect(argsOf('psql')).toEqual(['-h', '127.0.0.1', '-p', '5433', '-w', '-X', '-tA', '-c', 'SELECT 1', '-U', 'kis_user', '-d', 'kis_db']);
    expect(argsOf('redis-cli')).toEqual(['-h', '127.0.0.1', '-p', '6380', 'ping']);
  });

  it('should fail a database psql cannot query and a cache that does not answer PONG, naming the checks', async () => {
    // Prepare
    fakeClient('psql', '', 2);
    fakeClient('redis-cli', 'Could not connect to Redis', 1);
    const db = 'postgresql://127.0.0.1:5433';
    const cache = 'redis://127.0.0.1:6380';

    // Act
    const r = await check({ Endpoints: db, WarnEndpoints: cache });

    // Assess
    expect(r.event.detail.status).toBe('Failed');
    expect(r.result).toEqual({ endpoints: { [db]: 'UNREACHABLE', [cache]: 'UNREACHABLE' }, checks: { [db]: 'psql', [cache]: 'redis-cli' }, warnings: [cache] });
    expect(argsOf('psql')).not.toContain('-U');
  });

  it('should use pg_isready when psql is not installed', async () => {
    // Prepare
    fakeClient('pg_isready', 'accepting connections', 0);
    const db = 'postgresql://kis_user@127.0.0.1:5433/kis_db';

    // Act
    const r = await check({ Endpoints: db });

    // Assess
    expect(r.result).toMatchObject({ endpoints: { [db]: 'REACHABLE' }, checks: { [db]: 'pg_isready' } });
    expect(argsOf('pg_isready')).toEqual(['-h', '127.0.0.1', '-p', '5433', '-t', '2', '-U', 'kis_user', '-d', 'kis_db']);
  });

  it('should fall back to a TCP connect without the clients, and say so', async () => {
    // Prepare
    const open = `postgresql://127.0.0.1:${openPort}/kis_db`;
    const cache = `redis://127.0.0.1:${openPort}`;

    // Act
    const r = await check({ Endpoints: `${open},${cache}` });

    // Assess
    expect(r.event.detail.status).toBe('Success');
    expect(r.result).toEqual({ endpoints: { [open]: 'REACHABLE', [cache]: 'REACHABLE' }, checks: { [open]: 'tcp', [cache]: 'tcp' }, warnings: [] });
  });

  it('should refuse a host that could read as a client option without running the client', async () => {
    // Prepare: the document's pattern lets "-" start a host; the script must not hand it to psql.
    fakeClient('psql', '1');

    // Act
    const r = await check({ Endpoints: 'postgresql://-hevil:5432/db' });

    // Assess
    expect(r.result).toMatchObject({ endpoints: { 'postgresql://-hevil:5432/db': 'UNREACHABLE' } });
    expect(() => argsOf('psql')).toThrow(/ENOENT/);
  });
});
