// Builds the CDK app: the stack for the profile named by `-c profile=...` (KIS_CORE_V3 by default) and, for synth,
// the cdk-nag rule packs as validation plugins, so `cdk synth` fails on any finding nobody acknowledged.
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { profileFromContext } from './profile';
import { RunbookStack, stackNameFor, type RunbookStackProps } from './runbook-stack';

export interface RunbookAppOptions extends AppProps {
  /** Register the cdk-nag packs. @default true */
  nag?: boolean;
  wire?: RunbookStackProps['wire'];
}

export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}

export function createRunbookApp(options: RunbookAppOptions = {}): { app: App; stack: RunbookStack } {
  const { nag, wire, ...appProps } = options;
  const app = new App(appProps);
  const { file, profile } = profileFromContext(app.node);
  const stack = new RunbookStack(app, stackNameFor(profile.name), {
    profile,
    description: `Runbook Control Plane for ${profile.name} (${profile.system}), profile ${file}`,
    ...(wire ? { wire } : {}),
  });
  if (nag ?? true) addNagChecks(app);
  return { app, stack };
}
