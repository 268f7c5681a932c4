// Local notifier: console line, one JSON line per notification, the seed's Slack payload to a webhook, and no throw on failure.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalNotifier } from '../../../lambdas/adapters/local/notifier';
import { slackPayload } from '../../../lambdas/core/slack';
import type { Logger, Notification } from '../../../lambdas/ports';

const AT = new Date('2025-09-22T14:30:00.000Z');
const clock = { now: () => AT };

const rolledBack: Notification = {
  kind: 'rolled-back', severity: 'warning', changeId: 'CR-2025-001', title: 'Rolled back: error-rate alarm',
  text: 'QC summary line 1\nQC summary line 2', status: 'ROLLED_BACK', durationMs: 95_000, operator: 'ops-kim',
};

function recordingLog(): Logger & { errors: { message: string; data?: Record<string, unknown> }[] } {
  const errors: { message: string; data?: Record<string, unknown> }[] = [];
  return { errors, info: () => undefined, warn: () => undefined, error: (message, data) => { errors.push({ message, data }); } };
}

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'runbook-notifier-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('LocalNotifier', () => {
  it('should write the notification to the console writer', async () => {
    // Prepare
    const lines: string[] = [];
    const notifier = new LocalNotifier({ write: (text) => lines.push(text), clock });

    // Act
    await notifier.notify(rolledBack);

    // Assess
    expect(lines).toEqual(['⚠️ CR-2025-001 rolled-back [ROLLED_BACK]: Rolled back: error-rate alarm\nQC summary line 1\nQC summary line 2\n']);
  });

  it('should append one JSON line per notification, creating the directory', async () => {
    // Prepare
    const file = join(dir, '.runbook', 'notifications.jsonl');
    const notifier = new LocalNotifier({ write: () => undefined, file, clock });

    // Act
    await notifier.notify(rolledBack);
    await notifier.notify({ ...rolledBack, kind: 'completed', status: 'COMPLETED' });

    // Assess
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { at: AT.toISOString(), ...rolledBack },
      { at: AT.toISOString(), ...rolledBack, kind: 'completed', status: 'COMPLETED' },
    ]);
  });

  it('should not call any webhook when none is configured', async () => {
    // Prepare
    const fetchSpy = jest.fn();
    const notifier = new LocalNotifier({ write: () => undefined, fetch: fetchSpy as unknown as typeof fetch });

    // Act
    await notifier.notify(rolledBack);

    // Assess
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('should log, not throw, when the file cannot be written', async () => {
    // Prepare: the "file" is a directory
    const log = recordingLog();
    const notifier = new LocalNotifier({ write: () => undefined, file: dir, clock, log });

    // Act
    const sent = notifier.notify(rolledBack);

    // Assess
    await expect(sent).resolves.toBeUndefined();
    expect(log.errors).toEqual([expect.objectContaining({ message: 'notification: file append failed' })]);
  });

  it('should log, not throw, when the console writer throws, and still write the file', async () => {
    // Prepare
    const log = recordingLog();
    const file = join(dir, 'n.jsonl');
    const notifier = new LocalNotifier({ write: () => { throw new Error('EPIPE'); }, file, clock, log });

    // Act
    await notifier.notify(rolledBack);

    // Assess
    expect(log.errors.map((e) => e.message)).toEqual(['notification: console write failed']);
    expect(await readFile(file, 'utf8')).toContain('CR-2025-001');
  });

  describe('with a Slack webhook', () => {
    let server: Server;
    let url: string;
    let status = 200;
    let received: { method?: string; contentType?: string; body: unknown }[];

    beforeEach(async () => {
      status = 200;
      received = [];
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
        req.on('end', () => {
          received.push({ method: req.method, contentType: req.headers['content-type'], body: JSON.parse(body) });
          res.writeHead(status).end(status === 200 ? 'ok' : 'invalid_payload');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T/B/X`;
    });

    afterEach(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('should POST the seed Slack payload as JSON', async () => {
      // Prepare
      const notifier = new LocalNotifier({ write: () => undefined, slackWebhookUrl: url, system: 'KIS_CORE_V3', clock });

      // Act
      await notifier.notify(rolledBack);

      // Assess
      expect(received).toEqual([{ method: 'POST', contentType: 'application/json', body: slackPayload(rolledBack, { system: 'KIS_CORE_V3', at: AT }) }]);
    });

    it('should log, not throw, when Slack refuses the message', async () => {
      // Prepare
      status = 400;
      const log = recordingLog();
      const notifier = new LocalNotifier({ write: () => undefined, slackWebhookUrl: url, clock, log });

      // Act
      await notifier.notify(rolledBack);

      // Assess
      expect(log.errors).toEqual([expect.objectContaining({ message: 'notification: Slack webhook refused the message', data: expect.objectContaining({ status: 400 }) })]);
    });

    it('should log without the webhook URL, not throw, when Slack is unreachable', async () => {
      // Prepare
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server = createServer();
      const log = recordingLog();
      const notifier = new LocalNotifier({ write: () => undefined, slackWebhookUrl: url, clock, log });

      // Act
      const sent = notifier.notify(rolledBack);

      // Assess
      await expect(sent).resolves.toBeUndefined();
      expect(log.errors).toHaveLength(1);
      expect(JSON.stringify(log.errors)).not.toContain('/services/T/B/X');
    });
  });
});

describe('LocalNotifier default writer', () => {
  it('should write to process.stdout when no writer is given', async () => {
    // Prepare
    const written: unknown[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => { written.push(chunk); return true; });
    const notifier = new LocalNotifier({ clock });

    // Act
    try {
      await notifier.notify(rolledBack);
    } finally {
      spy.mockRestore();
    }

    // Assess
    expect(written).toEqual([expect.stringContaining('CR-2025-001 rolled-back')]);
  });
});

