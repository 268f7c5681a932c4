// The ASL file as CDK deploys it: the staged definition is the file itself, every `${...}` placeholder has a
// substitution (the same map the embedded engine uses), and each names a phase function this stack defines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { definitionSubstitutions, placeholders, renderDefinition, substitutionKey, PHASE_FUNCTIONS } from '../../lambdas/core/workflow';
import { PHASE_FUNCTION_NAMES } from '../../lib/functions';
import { STATE_MACHINE_FILE } from '../../lib/paths';
import { logicalIdOf, synthRunbook, type Json } from './support';

const { app, stack, template } = synthRunbook();
const asl = readFileSync(STATE_MACHINE_FILE, 'utf8');
const [, stateMachine] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine'))[0] as [string, { Properties: Json }];
const substitutions = stateMachine.Properties.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;

/** What CloudFormation puts in place of a reference: a string that names it, so rendering shows where each went. */
const resolvedLikeCfn = (value: { 'Fn::GetAtt': [string, string] }): string => `arn:aws:lambda:region:account:function:${value['Fn::GetAtt'][0]}`;

describe('the deployed state machine definition', () => {
  it('should be staged from statemachines/runbook.asl.json unchanged', () => {
    // Prepare
    const location = stateMachine.Properties.DefinitionS3Location as { Key: string };
    const assetHash = location.Key.replace(/\.json$/, '');

    // Act
    const staged = readFileSync(join(app.outdir, `asset.${assetHash}.json`), 'utf8');

    // Assess
    expect(staged).toBe(asl);
  });

  it('should substitute every ${...} placeholder of the file, and nothing else', () => {
    // Assess
    expect(Object.keys(substitutions).sort()).toEqual(placeholders(asl).sort());
    expect(Object.keys(substitutions).sort()).toEqual(Object.keys(definitionSubstitutions(() => '')).sort());
  });

  it('should leave no ${Name} in the definition once the substitutions are applied', () => {
    // Act
    const rendered = renderDefinition(asl, Object.fromEntries(Object.entries(substitutions).map(([k, v]) => [k, resolvedLikeCfn(v)])));

    // Assess
    expect(rendered).not.toMatch(/\$\{[A-Za-z0-9_]+\}/);
    expect(() => JSON.parse(rendered) as unknown).not.toThrow();
  });

  it.each([...PHASE_FUNCTIONS])('should point ${%sFunctionArn} at the ARN of the %s phase function of this stack', (phase) => {
    // Prepare
    const fn = stack.functions.phases[phase];

    // Act
    const value = substitutions[substitutionKey(phase)];

    // Assess
    expect(fn.logicalName).toBe(PHASE_FUNCTION_NAMES[phase]);
    expect(value).toEqual({ 'Fn::GetAtt': [logicalIdOf(fn), 'Arn'] });
    expect(template.toJSON().Resources[logicalIdOf(fn)].Type).toBe('AWS::Lambda::Function');
  });

  it('should name every function in the file only through a placeholder, never a literal ARN', () => {
    // Act
    const literalArns = asl.match(/arn:aws:lambda:[^"]*/g) ?? [];

    // Assess
    expect(literalArns).toEqual([]);
    for (const name of placeholders(asl)) expect(PHASE_FUNCTIONS.map(substitutionKey)).toContain(name);
  });
});
