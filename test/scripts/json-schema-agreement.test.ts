// An independent JSON Schema validator (ajv, draft 2020-12, with formats) and `runbook validate`'s schemas agree: the
// examples pass both; each broken profile and change request below is refused by both. The one thing the JSON
// Schema cannot say (unique step names) is pinned as a known difference.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ValidationError } from '../../lambdas/core/errors';
import { ChangeRequestSchema, EnvironmentProfileSchema, parseDocumentText, validate } from '../../lambdas/core/schemas';

const ROOT = join(__dirname, '..', '..');
const schemaFile = (name: string): object => JSON.parse(readFileSync(join(ROOT, 'schemas', name), 'utf8')) as object;
// `{{port}}` is filled by `runbook run`/`serve` before a profile is read; editors see the template as it is.
const example = (name: string): Record<string, unknown> =>
  parseDocumentText(readFileSync(join(ROOT, 'examples', name), 'utf8').split('{{port}}').join('8080'), name) as Record<string, unknown>;

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const ajvProfile = ajv.compile(schemaFile('profile.schema.json'));
const ajvChange = ajv.compile(schemaFile('change-request.schema.json'));

function runbookAccepts(schema: typeof EnvironmentProfileSchema | typeof ChangeRequestSchema, doc: unknown): boolean {
  try {
    validate(schema, doc, 'document');
    return true;
  } catch (err) {
    if (err instanceof ValidationError) return false;
    throw err;
  }
}

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const profileMutations: Array<[string, (p: Doc) => void]> = [
  ['a misspelt top-level key', (p) => { p.maxAtempts = p.maxAttempts; delete p.maxAttempts; }],
  ['a misspelt nested key', (p) => { p.monitoring.p95ms = 2100; }],
  ['an unknown key in a step', (p) => { p.act.steps[0].retries = 3; }],
  ['a misplaced key', (p) => { p.windowSeconds = 600; }],
  ['a key of another targets kind', (p) => { p.targets = { kind: 'local', values: ['x'] }; }],
  ['a number given as text', (p) => { p.thresholds.cpuPercent = '80'; }],
  ['a number out of range', (p) => { p.thresholds.cpuPercent = 180; }],
  ['a fraction where a whole number goes', (p) => { p.maxAttempts = 2.5; }],
  ['a value outside the enum', (p) => { p.serviceManager = 'upstart'; }],
  ['a required field missing', (p) => { delete p.services; }],
  ['a step name that breaks the pattern', (p) => { p.act.steps[0].name = 'Block Traffic'; }],
  ['a document outside the project', (p) => { p.act.steps[0].document = 'AWS-RunShellScript'; }],
  ['an empty step list', (p) => { p.rollback.steps = []; }],
  ['a tag target without values', (p) => { p.targets = { kind: 'tag', key: 'Environment' }; }],
  ['an unknown targets kind', (p) => { p.targets = { kind: 'everywhere' }; }],
  ['a health-check URL that is not a URL', (p) => { p.healthCheck.urls = ['not a url']; }],
  ['a probe path without a leading slash', (p) => { p.monitoring.probePaths = ['api/v1/health']; }],
  ['a step timeout below the minimum', (p) => { p.act.steps[0].timeoutSeconds = 3; }],
  ['a parameter value that is not text', (p) => { p.act.steps[0].parameters = { Mode: 1 }; }],
];

const changeMutations: Array<[string, (c: Doc) => void]> = [
  ['an id that is not CR-YYYY-NNN', (c) => { c.change_request.id = 'CHANGE-1'; }],
  ['a missing title', (c) => { delete c.change_request.title; }],
  ['an unknown change type', (c) => { c.change_request.type = 'yolo'; }],
  ['an impact word off the scale', (c) => { c.risks_and_mitigations[0].impact = 'catastrophic'; }],
  ['a planned start without an offset', (c) => { c.timeline.planned_start = '2026-06-01T10:00:00'; }],
  ['no rollback steps', (c) => { c.rollback_plan.rollback_steps = []; }],
  ['a release that is not vX.Y.Z', (c) => { c.deployment = { release: '2.4' }; }],
];

describe('JSON Schema and runbook validate agree', () => {
  it.each(['kis-core-v3.profile.yml', 'local-demo.profile.yml'])('should both accept the example profile %s', (name) => {
    // Act
    const doc = example(name);

    // Assess
    expect([ajvProfile(doc), ajvProfile.errors ?? []]).toEqual([true, []]);
    expect(runbookAccepts(EnvironmentProfileSchema, doc)).toBe(true);
  });

  it.each(['CR-2025-001.change.yml', 'CR-2026-101.change.yml'])('should both accept the example change request %s', (name) => {
    // Act
    const doc = example(name);

    // Assess
    expect([ajvChange(doc), ajvChange.errors ?? []]).toEqual([true, []]);
    expect(runbookAccepts(ChangeRequestSchema, doc)).toBe(true);
  });

  it.each(profileMutations)('should both refuse a profile with %s', (_what, mutate) => {
    // Prepare
    const doc = structuredClone(example('kis-core-v3.profile.yml'));
    mutate(doc);

    // Act + Assess
    expect([ajvProfile(doc), runbookAccepts(EnvironmentProfileSchema, doc)]).toEqual([false, false]);
  });

  it.each(changeMutations)('should both refuse a change request with %s', (_what, mutate) => {
    // Prepare
    const doc = structuredClone(example('CR-2025-001.change.yml'));
    mutate(doc);

    // Act + Assess
    expect([ajvChange(doc), runbookAccepts(ChangeRequestSchema, doc)]).toEqual([false, false]);
  });

  it('should both accept a change request with an unknown key (runbook keeps it and warns)', () => {
    // Prepare
    const doc = { ...example('CR-2025-001.change.yml'), ticket: 'OPS-12' };

    // Act + Assess
    expect([ajvChange(doc), runbookAccepts(ChangeRequestSchema, doc)]).toEqual([true, true]);
  });

  it('should differ only where JSON Schema cannot say it: two steps of one phase with the same name', () => {
    // Prepare
    const doc = structuredClone(example('kis-core-v3.profile.yml')) as Doc;
    doc.act.steps[1].name = doc.act.steps[0].name;

    // Act + Assess
    expect([ajvProfile(doc), runbookAccepts(EnvironmentProfileSchema, doc)]).toEqual([true, false]);
  });
});
