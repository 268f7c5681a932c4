// What every response and HTTP-only error of the API promises a caller, whichever route made it: JSON and text
// bodies never cached and ending in a newline, and errors that name their own class (logs and stack traces show it).
import { json, MethodNotAllowedError, NotImplementedError, PayloadTooLargeError, text, UnauthorizedError, UnsupportedMediaTypeError } from '../../lambdas/api/http';

describe('the HTTP-only errors', () => {
  it.each([
    ['UnauthorizedError', () => new UnauthorizedError('who are you')],
    ['MethodNotAllowedError', () => new MethodNotAllowedError('no', ['GET', 'POST'])],
    ['PayloadTooLargeError', () => new PayloadTooLargeError('big')],
    ['UnsupportedMediaTypeError', () => new UnsupportedMediaTypeError('xml')],
    ['NotImplementedError', () => new NotImplementedError('not here')],
  ])('should name a %s by its class in what it prints', (name, make) => {
    // Act
    const err = make();

    // Assess
    expect(err.name).toBe(name);
    expect(String(err)).toBe(`${name}: ${err.message}`);
  });

  it('should keep the methods a 405 allows', () => {
    // Act
    const err = new MethodNotAllowedError('no', ['GET', 'POST']);

    // Assess
    expect(err.allow).toEqual(['GET', 'POST']);
  });
});

describe('response bodies', () => {
  it('should send JSON as UTF-8, never cached, pretty-printed with a final newline, keeping extra headers', () => {
    // Act
    const res = json(201, { changeId: 'CR-2026-900' }, { location: 'http://127.0.0.1:1/changes/CR-2026-900' });

    // Assess
    expect(res).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', location: 'http://127.0.0.1:1/changes/CR-2026-900' },
      body: '{\n  "changeId": "CR-2026-900"\n}\n',
    });
  });

  it('should send text as UTF-8 of its type, never cached, ending in exactly one newline', () => {
    // Act
    const bare = text(200, '# Report', 'text/markdown');
    const ended = text(200, 'QC ok\n', 'text/plain');

    // Assess
    expect(bare).toEqual({ statusCode: 200, headers: { 'content-type': 'text/markdown; charset=utf-8', 'cache-control': 'no-store' }, body: '# Report\n' });
    expect(ended.body).toBe('QC ok\n');
    expect(ended.headers['content-type']).toBe('text/plain; charset=utf-8');
  });
});
