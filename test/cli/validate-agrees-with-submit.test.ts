// `runbook validate` and the server's submission agree: the same change requests against the same profile are
// accepted or refused by both, with the same field paths (both call submissionIssues over the same documents).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { validateFiles } from '../../bin/cli/validate';
import { LocalHostCommands } from '../../lambdas/adapters/local/host-commands';
import { ValidationError } from '../../lambdas/core/errors';
import { ChangeRequestSchema, validate } from '../../lambdas/core/schemas';
import { submitChange } from '../../lambdas/phases/submit';
import { DOCUMENTS_DIR } from '../../documents';
import { systemClock } from '../support/fakes';
import { createHarness, testChange, testProfile, type Harness } from '../support/harness';

type Raw = Record<string, Record<string, unknown>>;

const variants: Array<[string, boolean, (r: Raw) => void]> = [
  ['as it is', true, () => undefined],
  ['an override value its document refuses', false, (r) => { r.deployment = { step_parameters: { deploy: { Release: 'v2.4.0 && reboot' } } }; }],
  ['an override of an ACT step the profile lacks', false, (r) => { r.deployment = { step_parameters: { deploi: { Release: 'v2.4.0' } } }; }],
  ['an override parameter its document does not have', false, (r) => { r.deployment = { step_parameters: { deploy: { Colour: 'blue' } } }; }],
  ['another environment', false, (r) => { r.change_request = { ...r.change_request, environment: 'elsewhere' }; }],
  ['an unknown key (kept, warned)', true, (r) => { r.requester = { ...r.requester, team: 'platform' }; }],
];

describe('runbook validate agrees with the server\'s submission', () => {
  let h: Harness;
  let dir: string;
  beforeEach(() => {
    h = createHarness();
    dir = mkdtempSync(join(tmpdir(), 'runbook-agree-'));
  });
  afterEach(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(variants)('should decide a change request with %s the same way (accepted: %s), naming the same fields', async (_what, accepted, patch) => {
    // Prepare
    let raw: Raw = {};
    testChange('CR-2026-980', (r) => { patch(r as Raw); raw = structuredClone(r as Raw); });
    const profileFile = join(dir, 'test.profile.yml');
    writeFileSync(profileFile, stringify(testProfile()));
    const changeFile = join(dir, 'change.yml');
    writeFileSync(changeFile, stringify(raw));
    const hosts = new LocalHostCommands({ documentsDir: DOCUMENTS_DIR, hostRoot: '/nonexistent', bus: h.bus, clock: systemClock });

    // Act
    const [offline] = await validateFiles([changeFile], { profile: profileFile });
    let served: string[] = [];
    try {
      await submitChange({ ...h.engine.deps, hosts }, { request: validate(ChangeRequestSchema, raw, 'change request'), profile: testProfile(), submittedBy: 'ops' });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      served = err.issues.map((i) => i.path);
    }

    // Assess
    expect(offline?.problems.map((p) => p.path)).toEqual(served);
    expect(offline?.valid).toBe(accepted);
    expect(served.length === 0).toBe(accepted);
    expect(await h.store.getChange('CR-2026-980') === undefined).toBe(served.length > 0);
  });
});
