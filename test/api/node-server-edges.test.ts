// `runbook serve`'s node:http front without the rest of the server: the live feed refusing a caller without a
// bearer token (and saying how to send one), and the body limit enforced while reading a body of undeclared length.
import { request as httpRequest } from 'node:http';
import type { ApiRequest } from '../../lambdas/api/http';
import { json } from '../../lambdas/api/http';
import { listen, type NodeServer } from '../../lambdas/api/node-server';
import { silentLog } from '../support/fakes';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** Sends the body in chunks with no content-length (chunked transfer encoding), as a streaming client does. */
function sendChunked(url: string, path: string, chunks: string[], headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer good', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

async function serve(seen: ApiRequest[]): Promise<NodeServer> {
  return listen({
    port: 0, log: silentLog, maxBodyBytes: 64,
    authenticate: (authorization) => (authorization === 'Bearer good' ? { id: 'ops' } : undefined),
    api: async (req) => { seen.push(req); return json(200, { ok: true, body: req.body ?? null }); },
    console: { subscribe: () => () => undefined, heartbeatMs: 60_000 },
  });
}

describe('the node:http front of runbook serve', () => {
  it('should refuse the live feed without a bearer token with 401, saying how to send one', async () => {
    // Arrange
    const seen: ApiRequest[] = [];
    const server = await serve(seen);

    try {
      // Act
      const res = await fetch(`${server.url}/events`);
      const body = await res.json() as { error: { code: string; message: string } };

      // Assess
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="runbook"');
      expect(body.error).toEqual({
        code: 'Unauthorized',
        message: 'authentication required: send "Authorization: Bearer <token>" (the page reads /events with fetch, never with the token in the URL)',
      });
      expect(seen).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('should answer 413 to a chunked body that grows past the limit, without calling the API', async () => {
    // Arrange
    const seen: ApiRequest[] = [];
    const server = await serve(seen);

    try {
      // Act
      const res = await sendChunked(server.url, '/changes', ['{"a":"', 'x'.repeat(40), 'y'.repeat(40), '"}']);

      // Assess
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ error: { code: 'PayloadTooLarge', message: 'request body is larger than 64 bytes' } });
      expect(res.headers.connection).toBe('close');
      expect(seen).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('should pass a chunked body within the limit to the API whole, with the caller', async () => {
    // Arrange
    const seen: ApiRequest[] = [];
    const server = await serve(seen);

    try {
      // Act
      const res = await sendChunked(server.url, '/changes', ['{"a":', '"b"}']);

      // Assess
      expect(res.status).toBe(200);
      expect(seen).toEqual([expect.objectContaining({ method: 'POST', path: '/changes', body: '{"a":"b"}', identity: { id: 'ops' } })]);
    } finally {
      await server.close();
    }
  });
});
