// Rewrites the generated files (schemas/*.schema.json, docs/profile.md, docs/change-request.md) from the zod
// schemas, and statemachines/runbook.timeouts.json from the ASL. Run after changing lambdas/core/schemas.ts or a
// TimeoutSeconds of statemachines/runbook.asl.json: npm run generate
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedFiles } from './reference';

const root = join(__dirname, '..');
for (const [path, content] of Object.entries(generatedFiles())) {
  const file = join(root, path);
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  console.log(`${current === content ? 'unchanged' : 'wrote    '} ${path}`);
}
