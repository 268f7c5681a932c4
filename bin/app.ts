// The CDK app entry (cdk.json "app"). Pick the environment profile with CDK context:
//   npx cdk synth                                                  → examples/kis-core-v3.profile.yml
//   npx cdk synth -c profile=examples/<file>.profile.yml           → that profile (path relative to the repo root)
// Synth runs offline: functions bundle with the local esbuild, never Docker, and nothing looks up the account.
import { createRunbookApp } from '../lib/app';

// A profile that cannot make a stack (a local one, an invalid one) is the user's input: one line saying why, no trace.
let built: ReturnType<typeof createRunbookApp>;
try {
  built = createRunbookApp();
} catch (err) {
  process.stderr.write(`runbook: ${(err as Error).message.split('\n')[0]}\n`);
  process.exit(1);
}
built.app.synth();
