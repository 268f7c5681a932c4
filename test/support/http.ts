// Helpers for tests that stand up a node:http server on 127.0.0.1.
import type { IncomingMessage } from 'node:http';

/** The whole request body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    req.on('end', () => resolve(body));
  });
}
