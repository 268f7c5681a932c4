// The local demo target: a plain-Node estimator service with the seed's endpoints, whose behaviour (version,
// latency, error rate) comes from the release.json it reads at start, so a "bad release" is a real regression.
// Usage: node service.mjs [--port N] [--dir APP_DIR] [--root HOST_ROOT]; by default the app dir is this file's
// directory, the port is read from <app dir>/port and the host root is two levels up (root/app/<svc>/).
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { port: { type: 'string' }, dir: { type: 'string' }, root: { type: 'string' } },
});
const appDir = resolve(args.dir ?? dirname(fileURLToPath(import.meta.url)));
const hostRoot = resolve(args.root ?? join(appDir, '..', '..'));
const serviceName = basename(appDir);
const port = Number(args.port ?? readFileSync(join(appDir, 'port'), 'utf8').trim());
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port: ${args.port ?? '(from port file)'}`);
  process.exit(2);
}

const release = readRelease(join(appDir, 'release.json'));
const maintenanceFlag = join(hostRoot, 'var', 'maintenance');
const tokens = new Set();
let served = 0;
let estimateSeq = 0;
let shuttingDown = false;

function readRelease(file) {
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  const num = (v, d) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : d);
  return {
    version: typeof raw.version === 'string' ? raw.version : 'unknown',
    latencyMs: num(raw.latencyMs, 0),
    latencyJitterMs: num(raw.latencyJitterMs, 0),
    errorRate: Math.min(1, num(raw.errorRate, 0)),
    healthLatencyMs: num(raw.healthLatencyMs, 0),
  };
}

// Deterministic injection: request n fails when floor(n × rate) steps up, so exactly rate × N of N requests
// fail and tests need no randomness. Jitter cycles through ten steps for the same reason.
function nextRequest() {
  served += 1;
  const fail = Math.floor(served * release.errorRate) > Math.floor((served - 1) * release.errorRate);
  const delay = release.latencyMs + (release.latencyJitterMs * (served % 10)) / 9;
  return { fail, delay };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  // While draining, ask keep-alive clients (the monitoring probe) to reconnect, so the server can go idle and exit.
  const closing = shuttingDown ? { Connection: 'close' } : {};
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...closing, ...headers });
  res.end(text);
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function bearer(req) {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  return match && tokens.has(match[1]) ? match[1] : undefined;
}

const ESTIMATES = [
  { estimateId: 'EST-0001', customerId: 'acme', projectName: 'Warehouse network', total: 12800, currency: 'USD' },
  { estimateId: 'EST-0002', customerId: 'globex', projectName: 'Office refresh', total: 45210, currency: 'USD' },
];
const TEMPLATES = [
  { templateId: 'TPL-HW', name: 'Hardware', categories: ['HARDWARE'] },
  { templateId: 'TPL-SVC', name: 'Services', categories: ['SERVICE', 'SUPPORT'] },
];

async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const route = `${req.method} ${url.pathname}`;
  const maintenance = existsSync(maintenanceFlag);

  if (route === 'GET /api/v1/health') {
    if (release.healthLatencyMs > 0) await sleep(release.healthLatencyMs);
    return send(res, 200, { status: 'ok', service: serviceName, release: release.version, maintenance });
  }
  if (maintenance) {
    return send(res, 503, { error: 'maintenance', message: 'Service under maintenance' }, { 'Retry-After': '30', 'X-Maintenance': '1' });
  }
  const known = ['GET /api/v1/estimates', 'GET /api/v1/templates', 'POST /api/v1/auth/login', 'POST /api/v1/estimate'];
  if (!known.includes(route)) return send(res, 404, { error: 'not found' });

  const { fail, delay } = nextRequest();
  if (delay > 0) await sleep(delay);
  if (fail) return send(res, 500, { error: 'internal error', release: release.version });

  switch (route) {
    case 'GET /api/v1/estimates':
      return send(res, 200, { estimates: ESTIMATES });
    case 'GET /api/v1/templates':
      return send(res, 200, { templates: TEMPLATES });
    case 'POST /api/v1/auth/login': {
      const body = await readJson(req);
      if (body.email !== 'test@company.com' || body.password !== 'test123') return send(res, 401, { error: 'invalid credentials' });
      const token = randomBytes(16).toString('hex');
      tokens.add(token);
      return send(res, 200, { token, expiresIn: 3600 });
    }
    case 'POST /api/v1/estimate': {
      if (!bearer(req)) return send(res, 401, { error: 'missing or invalid bearer token' });
      const body = await readJson(req);
      if (typeof body.customerId !== 'string' || !Array.isArray(body.estimateItems)) return send(res, 400, { error: 'customerId and estimateItems are required' });
      estimateSeq += 1;
      return send(res, 201, { estimateId: `EST-${String(1000 + estimateSeq)}`, status: 'created' });
    }
  }
  return send(res, 404, { error: 'not found' });
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (!res.headersSent) send(res, err instanceof SyntaxError ? 400 : 500, { error: err.message });
    else res.destroy();
  });
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`${new Date().toISOString()} ${serviceName} ${release.version} listening on 127.0.0.1:${typeof address === 'object' && address ? address.port : port}`);
});

function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`${new Date().toISOString()} ${serviceName} ${signal}: closing`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  // In-flight slow responses may hold the server open; the caller escalates to KILL anyway, this is quicker.
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
