// validateWithWarnings beyond the profile and change-request happy paths: a root-level failure is named "(root)",
// a schema without a policy leaves unknown keys to zod, a failing lenient document names only its likely slips, and
// unknown keys inside list items are kept where they were written.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ChangeRequestSchema, parseDocumentText, validate, validateWithWarnings } from '../../lambdas/core/schemas';
import { validationErrorOf as refusal } from '../support/validation';

const example = (): Record<string, unknown> =>
  parseDocumentText(readFileSync(join(__dirname, '..', '..', 'examples', 'CR-2025-001.change.yml'), 'utf8'), 'example') as Record<string, unknown>;


describe('validateWithWarnings', () => {
  it('should name a failure of the whole value "(root)" in the message and give it an empty path', () => {
    // Act
    const err = refusal(() => validate(z.object({ a: z.number() }), 'text', 'thing'));

    // Assess
    expect(err.issues).toEqual([{ path: '', message: expect.any(String) }]);
    expect(err.message).toBe(`thing is invalid: (root): ${err.issues[0]?.message}`);
  });

  it('should list every failing field in the message, separated by semicolons', () => {
    // Act
    const err = refusal(() => validate(z.object({ a: z.number(), b: z.object({ c: z.string() }) }), { a: 'x', b: { c: 1 } }, 'thing'));

    // Assess
    expect(err.issues.map((i) => i.path)).toEqual(['a', 'b.c']);
    expect(err.message).toBe(`thing is invalid: a: ${err.issues[0]?.message}; b.c: ${err.issues[1]?.message}`);
  });

  it('should leave unknown keys to zod for a schema with no policy: no error, no warning', () => {
    // Act
    const result = validateWithWarnings(z.object({ a: z.number() }), { a: 1, zz: 2 }, 'thing');

    // Assess
    expect(result).toEqual({ value: { a: 1 }, warnings: [] });
  });

  it('should name only the unknown keys close to a known one when a lenient document fails', () => {
    // Prepare
    const doc = example();
    const { title, ...rest } = doc.change_request as Record<string, unknown>;
    const bad = { ...doc, change_request: { ...rest, titel: title, colour: 'blue' } };

    // Act
    const err = refusal(() => validate(ChangeRequestSchema, bad, 'change request'));

    // Assess
    expect(err.issues.map((i) => i.path)).toEqual(['change_request.title', 'change_request.titel']);
  });

  it('should keep an unknown key of a list item in that item, with its value copied', () => {
    // Prepare
    const doc = example();
    const risks = (doc.risks_and_mitigations as Array<Record<string, unknown>>).map((r, i) => (i === 1 ? { ...r, ticket: { key: 'OPS-2' } } : r));

    // Act
    const { value, warnings } = validateWithWarnings(ChangeRequestSchema, { ...doc, risks_and_mitigations: risks }, 'change request');

    // Assess
    expect(warnings).toEqual([{ path: 'risks_and_mitigations.1.ticket', message: 'unknown key (kept as written, not used)' }]);
    expect((value.risks_and_mitigations[1] as Record<string, unknown>).ticket).toEqual({ key: 'OPS-2' });
    expect('ticket' in (value.risks_and_mitigations[0] as Record<string, unknown>)).toBe(false);
  });
});

describe('parseDocumentText', () => {
  it('should refuse text that is not YAML, naming what it was and the parser\'s reason', () => {
    // Act
    const err = refusal(() => parseDocumentText('a: [1, 2\nb: c', 'profile'));

    // Assess
    expect(err.message).toMatch(/^profile: not valid YAML or JSON: .+/);
    expect(err.issues).toEqual([{ path: '', message: expect.stringMatching(/.+/) }]);
  });
});
