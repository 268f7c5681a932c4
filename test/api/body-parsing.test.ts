// Request bodies without a server: which content types read as JSON, YAML or by sniffing, the 415 of any other,
// what an empty body is, a custom size limit, and the approval and cancel bodies' refusals (named fields).
import { assertBodySize, parseApprovalBody, parseBody, parseCancelBody } from '../../lambdas/api/body';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../../lambdas/api/http';
import { ValidationError } from '../../lambdas/core/errors';

const req = (body: string | undefined, type?: string) => ({ headers: type === undefined ? {} : { 'content-type': type }, ...(body === undefined ? {} : { body }) });

/** The field paths of the ValidationError `f` throws. */
function fieldsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map((i) => i.path);
    throw err;
  }
  throw new Error('no error');
}

describe('parseBody', () => {
  it.each([undefined, '', '  \n\t'])('should read the body %j as no body', (body) => {
    // Act
    const parsed = parseBody(req(body, 'application/json'), 'thing');

    // Assess
    expect(parsed).toBeUndefined();
  });

  it.each(['application/json', 'Application/JSON; charset=utf-8', ' application/json ', 'application/merge-patch+json'])('should read "%s" as JSON', (type) => {
    // Act
    const reading = (): unknown => parseBody(req('a: 1', type), 'thing');

    // Assess
    expect(reading).toThrow(ValidationError);
    expect(reading).toThrow(/^thing: not valid JSON: /);
  });

  it.each(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'])('should read "%s" as YAML, even when it starts like JSON', (type) => {
    // Act
    const plain = parseBody(req('a: 1\nb: [x]\n', type), 'thing');
    const flow = parseBody(req('{a: 1}', type), 'thing');

    // Assess
    expect(plain).toEqual({ a: 1, b: ['x'] });
    expect(flow).toEqual({ a: 1 });
  });

  it.each(['', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream'])('should sniff the type "%s": JSON when it starts like JSON, YAML otherwise', (type) => {
    // Act
    const object = parseBody(req('  {"a": 1}', type), 'thing');
    const array = parseBody(req('[1, 2]', type), 'thing');
    const yaml = parseBody(req('a: 1', type), 'thing');
    const broken = (): unknown => parseBody(req('{a: 1}', type), 'thing');

    // Assess
    expect(object).toEqual({ a: 1 });
    expect(array).toEqual([1, 2]);
    expect(yaml).toEqual({ a: 1 });
    expect(broken).toThrow(/^thing: not valid JSON: /);
  });

  it('should sniff a body sent with no content type at all', () => {
    // Act
    const parsed = parseBody(req('{"a": [1]}'), 'thing');

    // Assess
    expect(parsed).toEqual({ a: [1] });
  });

  it('should name the JSON error as the field-less issue of the body', () => {
    // Act
    let caught: unknown;
    try {
      parseBody(req('{', 'application/json'), 'change request');
    } catch (err) {
      caught = err;
    }

    // Assess
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).issues).toEqual([{ path: '', message: expect.stringMatching(/^not valid JSON: ./) }]);
  });

  it.each(['text/html', 'application/xml', 'multipart/form-data; boundary=x'])('should refuse the content type "%s" as unsupported, naming it', (type) => {
    // Act
    const reading = (): unknown => parseBody(req('a: 1', type), 'thing');

    // Assess
    expect(reading).toThrow(UnsupportedMediaTypeError);
    expect(reading).toThrow(`content-type ${type.split(';')[0]} is not supported: send application/json or application/yaml`);
  });

  it('should refuse a body above the limit before reading it', () => {
    // Act
    const reading = (): unknown => parseBody(req(`"${'x'.repeat(300 * 1024)}"`, 'application/json'), 'thing');

    // Assess
    expect(reading).toThrow(PayloadTooLargeError);
  });
});

describe('assertBodySize', () => {
  it('should hold a body to the limit it is given, in bytes', () => {
    // Act
    const atLimit = (): void => assertBodySize('abcd', 4);
    const above = (): void => assertBodySize('abcde', 4);
    const none = (): void => assertBodySize(undefined, 0);

    // Assess
    expect(atLimit).not.toThrow();
    expect(none).not.toThrow();
    expect(above).toThrow(PayloadTooLargeError);
    expect(above).toThrow('request body is larger than 4 bytes');
  });
});

describe('parseApprovalBody', () => {
  it('should read a role, a decision and a comment', () => {
    // Act
    const body = parseApprovalBody(req(JSON.stringify({ role: 'security', decision: 'reject', comment: 'no backout' }), 'application/json'));

    // Assess
    expect(body).toEqual({ role: 'security', decision: 'reject', comment: 'no backout' });
  });

  it.each(['approver', 'approvedBy', 'approved_by', 'user', 'identity'])('should refuse a body naming the approver as "%s"', (field) => {
    // Act
    const reading = (): unknown => parseApprovalBody(req(JSON.stringify({ role: 'technical', decision: 'approve', [field]: 'mallory' }), 'application/json'));

    // Assess
    expect(fieldsOf(reading)).toEqual([field]);
    expect(reading).toThrow(`${field}: the approver is the authenticated caller and cannot be named in the body`);
  });

  it('should refuse an empty body as one without a role and a decision', () => {
    // Act
    const paths = fieldsOf(() => parseApprovalBody(req(undefined)));

    // Assess
    expect(paths).toEqual(expect.arrayContaining(['role', 'decision']));
  });

  it('should refuse a list as the body, naming the body', () => {
    // Act
    const reading = (): unknown => parseApprovalBody(req('[{"approver": "x"}]', 'application/json'));

    // Assess
    expect(reading).toThrow(/^approval is invalid/);
    expect(fieldsOf(reading)).not.toContain('approver');
  });

  it('should refuse a comment above 2000 characters and a key it does not know', () => {
    // Act
    const long = fieldsOf(() => parseApprovalBody(req(JSON.stringify({ role: 'technical', decision: 'approve', comment: 'x'.repeat(2001) }), 'application/json')));
    const unknown = (): unknown => parseApprovalBody(req(JSON.stringify({ role: 'technical', decision: 'approve', colour: 'red' }), 'application/json'));

    // Assess
    expect(long).toEqual(['comment']);
    expect(unknown).toThrow(ValidationError);
  });
});

describe('parseCancelBody', () => {
  it('should read no body as no reason, and a reason when given', () => {
    // Act
    const none = parseCancelBody(req(undefined));
    const given = parseCancelBody(req('reason: wrong window', 'application/yaml'));

    // Assess
    expect(none).toEqual({});
    expect(given).toEqual({ reason: 'wrong window' });
  });

  it('should refuse an empty reason and a key it does not know, naming the cancel body', () => {
    // Act
    const empty = (): unknown => parseCancelBody(req('{"reason": ""}', 'application/json'));
    const unknown = (): unknown => parseCancelBody(req('{"why": "x"}', 'application/json'));

    // Assess
    expect(fieldsOf(empty)).toEqual(['reason']);
    expect(unknown).toThrow(/^cancel is invalid/);
  });
});
