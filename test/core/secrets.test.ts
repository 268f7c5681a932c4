// Secrets never travel as values: a URL with a password is refused in the profile (naming the field) and as a
// host-command parameter (a change request's step_parameters included), with the Parameter Store way to do it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { DOCUMENTS_DIR } from '../../documents';
import { loadDocuments } from '../../lambdas/adapters/documents-dir';
import { stepParameters } from '../../lambdas/core/documents';
import { parseProfile } from '../../lambdas/core/schemas';
import { PASSWORD_IN_URL_MESSAGE, hasPasswordInUrl } from '../../lambdas/core/secrets';
import { validationErrorOf as refusal } from '../support/validation';

const kisText = readFileSync(join(__dirname, '..', '..', 'examples', 'kis-core-v3.profile.yml'), 'utf8');


describe('secrets are never parameters', () => {
  it.each([
    ['postgresql://kis_user:s3cret@db:5432/kis_db', true],
    ['redis://:s3cret@cache:6379', true],
    ['https://user:pw@api.example.com/health', true],
    ['postgresql://kis_user@db:5432/kis_db', false],
    ['https://api.example.com:8443/health', false],
    ['/app/migrations/pending.sql', false],
  ])('should tell a URL with a password in %s: %s', (text, expected) => {
    // Act + Assess
    expect(hasPasswordInUrl(text)).toBe(expected);
  });

  it('should refuse a profile with a password in a URL, naming each field and saying to use a Parameter Store name', () => {
    // Prepare
    const kis = parseYaml(kisText) as { dependencies: { url: string }[]; backup: Record<string, unknown>; act: { steps: { parameters: Record<string, string> }[] } };
    kis.dependencies[0] = { ...kis.dependencies[0], url: 'postgresql://kis_user:s3cret@localhost:5432/kis_db' };
    kis.backup.database = 'postgresql://kis_user:s3cret@localhost:5432/kis_db';

    // Act
    const err = refusal(() => parseProfile(toYaml(kis)));

    // Assess
    const ours = err.issues.filter((i) => i.message === PASSWORD_IN_URL_MESSAGE).map((i) => i.path);
    expect(ours).toEqual(['dependencies.0.url', 'backup.database']);
    expect(err.message).toContain('Parameter Store');
  });

  it('should refuse a step parameter (profile or a change\'s step_parameters) carrying a password, before the document rules', () => {
    // Prepare
    const docs = loadDocuments(DOCUMENTS_DIR);
    const doc = docs['runbook-DatabaseMigration'];
    if (!doc) throw new Error('runbook-DatabaseMigration missing');

    // Act
    const err = refusal(() => stepParameters('runbook-DatabaseMigration', doc, { parameters: { MigrationFile: '/app/migrations/pending.sql', DatabaseUrl: 'postgresql://kis_user:s3cret@localhost:5432/kis_db' }, timeoutSeconds: 600 }));

    // Assess
    expect(err.issues).toEqual([{ path: 'parameters.DatabaseUrl', message: PASSWORD_IN_URL_MESSAGE }]);
    expect(err.message).toContain('Parameter Store');
  });
});
