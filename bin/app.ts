// The CDK app entry (cdk.json "app"). Pick the environment profile with CDK context:
//   npx cdk synth                                                  → examples/kis-core-v3.profile.yml
//   npx cdk synth -c profile=examples/<file>.profile.yml           → that profile (path relative to the repo root)
// Synth runs offline: functions bundle with the local esbuild, never Docker, and nothing looks up the account.
import { createRunbookApp } from '../lib/app';

const { app } = createRunbookApp();
app.synth();
