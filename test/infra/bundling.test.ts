// One function bundled for real, as `cdk synth` does it: the local esbuild (no Docker), one minified index.js with
// the SDK inside and no source map (lib/bundling.ts), and the SSM documents copied next to it (as JSON: this bundle has
// the JSON-only yaml stand-in) for its host-command adapter to load at cold start.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { parse as parseYaml } from 'yaml';
import { DOCUMENT_NAMES, DOCUMENTS_DIR } from '../../documents';
import { FunctionWithLogGroup } from '../../lib/function-with-log-group';

describe('FunctionWithLogGroup bundling', () => {
  // Prepare
  const app = new App({ builtinCloudFormationValidation: false, stackTraces: false });
  const stack = new Stack(app, 'Bundling');
  new FunctionWithLogGroup(stack, 'CommandStatus', {
    name: 'command-status',
    description: 'bundling test',
    timeout: Duration.seconds(30),
    withDocuments: true,
    environment: {
      TABLE_NAME: 't', ENVIRONMENT_NAME: 'test', PROFILE_PARAMETER_NAME: '/runbook/test/profile',
      TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t', COMMAND_LOG_GROUP: '/runbook/test/commands',
    },
  });

  // Act
  const assembly = app.synth();
  const manifest = JSON.parse(readFileSync(join(assembly.directory, 'Bundling.assets.json'), 'utf8')) as { files: Record<string, { source: { path: string; packaging: string } }> };
  const bundle = Object.values(manifest.files).map((f) => join(assembly.directory, f.source.path)).find((p) => existsSync(join(p, 'index.js')));

  it('should write one minified index.js and no source map', () => {
    // Assess
    expect(bundle).toBeDefined();
    const code = readFileSync(join(bundle as string, 'index.js'), 'utf8');
    // Minified: thousands of characters a line (template literals and the licence comments esbuild keeps at the end
    // still break a few lines).
    expect(code.length / code.split('\n').length).toBeGreaterThan(2000);
    expect(code).not.toContain('sourceMappingURL');
    expect(existsSync(join(bundle as string, 'index.js.map'))).toBe(false);
  });

  it('should bundle the AWS SDK and every other package: only Node built-ins are left to require', () => {
    // Prepare
    const code = readFileSync(join(bundle as string, 'index.js'), 'utf8');
    const builtins = new Set(builtinModules);

    // Act
    const required = [...new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] as string))];

    // Assess: the SDK's SigV4a CRT signer is an optional package it requires inside try/catch only when asked for.
    expect(required.filter((r) => !builtins.has(r.replace(/^node:/, '')) && r !== '@aws-sdk/signature-v4-crt')).toEqual([]);
  });

  it('should copy every SSM document into documents/ beside the bundle, as the JSON of its YAML', () => {
    // Assess
    expect(readdirSync(join(bundle as string, 'documents')).sort()).toEqual(DOCUMENT_NAMES.map((d) => `${d}.yml`).sort());
    for (const name of DOCUMENT_NAMES) {
      const copied = readFileSync(join(bundle as string, 'documents', `${name}.yml`), 'utf8');
      expect({ name, document: JSON.parse(copied) as unknown }).toEqual({ name, document: parseYaml(readFileSync(join(DOCUMENTS_DIR, `${name}.yml`), 'utf8')) as unknown });
    }
  });

  it('should load, reading its documents through the JSON-only yaml stand-in at cold start', () => {
    // Prepare
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1', TABLE_NAME: 't', ENVIRONMENT_NAME: 'test', PROFILE_PARAMETER_NAME: '/runbook/test/profile',
      TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t', COMMAND_LOG_GROUP: '/runbook/test/commands',
    });
    try {
      // Act
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const entry = require(join(bundle as string, 'index.js')) as { handler?: unknown; runtime?: { wired: string[] } };

      // Assess
      expect(typeof entry.handler).toBe('function');
      expect(entry.runtime?.wired).toEqual(['store', 'hosts', 'callbacks']);
    } finally {
      process.env = saved;
    }
  });

  it('should leave the yaml library out of the bundle', () => {
    // Assess: a string of the yaml package's own error messages, absent when the stand-in replaced it.
    const code = readFileSync(join(bundle as string, 'index.js'), 'utf8');
    expect(code).toContain('reads JSON only');
    expect(code).not.toContain('Implicit map keys need to be');
  });
});
