// Hostile values at every parameter of every document in documents/*.yml, derived from the documents themselves: a
// new document or parameter is covered without editing this file (a parameter with no default needs a SAMPLES entry,
// and the test says so). Each value must be refused by the document's allowedPattern/allowedValues (validateParameters,
// naming the parameter) and by the local runner before anything runs.
// Parameter shape: https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-syntax-data-elements-parameters.html
// (allowedPattern, allowedValues, interpolationType ENV_VAR).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../lambdas/core/errors';
import { parseCommandDocument, validateParameters, type CommandDocument, type DocumentParameter } from '../../lambdas/core/documents';
import { documentNames, LocalHostCommands } from '../../lambdas/adapters/local/host-commands';
import { systemClock } from '../support/fakes';
import { DOCUMENTS_DIR } from '../../documents';
import { RecordingBus, commandRequest } from '../adapters/local/harness';

/** A valid value for each parameter that has no usable default (an empty default is not a value to vary). */
const SAMPLES: Record<string, string> = {
  Services: 'estimator-service,erp-ai-service', Release: 'v2.4.0', Url: 'http://127.0.0.1:8080/api/v1/health',
  Endpoints: 'https://api.kis-core.com/health,postgresql://kis_user@localhost:5432', WarnEndpoints: 'https://api.openai.com/v1/models,redis://localhost:6379', ConfigFiles: '/etc/nginx/nginx.conf,/app/.env',
  DatabaseUrl: 'postgresql://kis_user@localhost:5432/kis_db', Mode: 'maintenance', Action: 'start',
};

const load = (name: string): CommandDocument => parseCommandDocument(readFileSync(join(DOCUMENTS_DIR, `${name}.yml`), 'utf8'));

function sampleFor(name: string, p: DocumentParameter): string | undefined {
  if (typeof p.default === 'string' && p.default !== '') return p.default;
  return SAMPLES[name] ?? p.allowedValues?.[0];
}

/** Values no parameter may take, whatever its pattern: injection, line breaks, quotes, controls, and over-long values. */
function hostileValues(sample: string): string[] {
  const injections = ['; id', '| id', '&& id', '|| id', '$(id)', '`id`', '${IFS}id', '> /tmp/x', '< /etc/passwd', '& id', '* ', '?', '!'];
  const breaks = ['\n', '\r', '\r\n', '\nid', '\u0000', '\t', '\u2028', '\u0085'];
  const quotes = ["'", '"', '`', "'; id; '", '"$(id)"'];
  const values: string[] = [];
  for (const bad of [...injections, ...breaks, ...quotes]) values.push(`${sample}${bad}`, `${bad}${sample}`, `${sample.slice(0, 1)}${bad}${sample.slice(1)}`);
  // Over-long: the sample's last character repeated; every pattern bounds its lengths (SSM caps a value at 4 KB+).
  values.push(`${sample}${sample.slice(-1).repeat(10_000)}`);
  values.push(Array.from({ length: 200 }, () => sample).join(','));
  values.push(' ', `${sample} `, ` ${sample}`);
  return values;
}

/** Path traversal and relative paths, for a parameter whose items are absolute file-system paths. */
function hostilePaths(sample: string): string[] {
  const first = sample.split(',')[0] ?? sample;
  const bad = [
    '/..', '/.', '/../etc/passwd', '/./etc/passwd', `${first}/..`, `${first}/.`, `${first}/../../etc/shadow`, `${first}/./x`,
    '/a/../b', '/a/./b', '/a//b', '//etc/passwd', 'etc/passwd', './x', '../x', '.', '..', '~/x', '~root/x', `${first}/\u2025`,
  ];
  // Inside a list the hostile path is one item among valid ones.
  return [...bad, ...(sample.includes(',') ? bad.map((b) => `${sample},${b}`) : [])];
}

const isPathParameter = (sample: string): boolean => sample.split(',').every((item) => item.startsWith('/'));

interface Case { document: string; parameter: string; doc: CommandDocument; sample: string; hostile: string[] }

function cases(): Case[] {
  const all: Case[] = [];
  for (const document of documentNames(DOCUMENTS_DIR)) {
    const doc = load(document);
    for (const [parameter, p] of Object.entries(doc.parameters)) {
      const sample = sampleFor(parameter, p);
      if (sample === undefined) throw new Error(`${document}.${parameter}: no default and no entry in SAMPLES; add a valid sample value`);
      all.push({ document, parameter, doc, sample, hostile: [...hostileValues(sample), ...(isPathParameter(sample) ? hostilePaths(sample) : [])] });
    }
  }
  return all;
}

/** Values for the document's other parameters so only the one under test is wrong. */
function baseParameters(doc: CommandDocument): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, p] of Object.entries(doc.parameters)) {
    if (p.default !== undefined) continue;
    const sample = sampleFor(name, p);
    if (sample !== undefined) values[name] = sample;
  }
  return values;
}

function refusedPaths(fn: () => unknown): string[] | 'accepted' {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return err.issues.map((i) => i.path);
  }
  return 'accepted';
}

const ALL = cases();

describe('hostile values at every document parameter', () => {
  it('should find every document and parameter, with path parameters recognised', () => {
    // Assess: the derivation is not empty, and it sees the path parameters the documents have today.
    expect(new Set(ALL.map((c) => c.document)).size).toBe(documentNames(DOCUMENTS_DIR).length);
    const paths = ALL.filter((c) => isPathParameter(c.sample)).map((c) => `${c.document}.${c.parameter}`);
    expect(paths).toEqual(expect.arrayContaining([
      'runbook-Backup.BackupRoot', 'runbook-Backup.ConfigFiles', 'runbook-DatabaseMigration.MigrationFile', 'runbook-SystemHealth.DiskPath',
    ]));
  });

  describe.each(ALL.map((c) => [`${c.document}.${c.parameter}`, c] as const))('%s', (_label, c) => {
    it('should accept its sample value, so the refusals below are about the hostile part', () => {
      // Act
      const resolved = validateParameters(c.document, c.doc, { ...baseParameters(c.doc), [c.parameter]: c.sample });

      // Assess
      expect(resolved[c.parameter]).toBe(c.sample);
    });

    it('should refuse injection, line breaks, quotes, control characters, over-long values and path traversal, naming the parameter', () => {
      // Act
      const outcomes = c.hostile.map((hostile) => ({
        hostile: hostile.length > 60 ? `${hostile.slice(0, 60)}…(${hostile.length})` : hostile,
        refused: refusedPaths(() => validateParameters(c.document, c.doc, { ...baseParameters(c.doc), [c.parameter]: hostile })),
      }));

      // Assess
      expect(outcomes.filter((o) => o.refused === 'accepted')).toEqual([]);
      for (const o of outcomes) expect(o).toEqual({ hostile: o.hostile, refused: [`parameters.${c.parameter}`] });
    });
  });
});

describe('the local runner', () => {
  let hostRoot: string;
  let bus: RecordingBus;
  let hosts: LocalHostCommands;

  beforeEach(() => {
    hostRoot = mkdtempSync(join(tmpdir(), 'runbook-hostile-'));
    bus = new RecordingBus();
    hosts = new LocalHostCommands({ documentsDir: DOCUMENTS_DIR, hostRoot, bus, clock: systemClock });
  });
  afterEach(async () => {
    await hosts.close();
    rmSync(hostRoot, { recursive: true, force: true });
  });

  it('should refuse every hostile value before running anything', async () => {
    // Act
    const accepted: string[] = [];
    for (const c of ALL) {
      for (const hostile of c.hostile) {
        try {
          await hosts.send(commandRequest(c.document, { ...baseParameters(c.doc), [c.parameter]: hostile }));
          accepted.push(`${c.document}.${c.parameter}=${JSON.stringify(hostile.slice(0, 40))}`);
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
        }
      }
    }

    // Assess: nothing was started, announced or written.
    expect(accepted).toEqual([]);
    expect(bus.events).toEqual([]);
    expect(readdirSync(hostRoot)).toEqual([]);
  });
});
