// The SSM Agent minimum for ENV_VAR parameters (3.3.2746.0, https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-troubleshooting.html):
// versions compare part by part as numbers, and the embedded engine has nothing to check.
import { MIN_AGENT_VERSION, agentProblems, compareVersions } from '../../lambdas/core/agent-version';

describe('agent versions', () => {
  it.each([
    ['3.3.2746.0', '3.3.2746.0', 0],
    ['3.3.10000.0', '3.3.2746.0', 1],
    ['3.3.999.0', '3.3.2746.0', -1],
    ['3.10.0.0', '3.3.2746.0', 1],
    ['3.3', '3.3.0.0', 0],
  ])('should compare %s with %s as %i, numerically', (a, b, expected) => {
    // Act + Assess
    expect(compareVersions(a, b)).toBe(expected);
  });

  it('should flag an unparseable or missing version, and an empty tag match, and pass a local engine', () => {
    // Act
    const problems = agentProblems({ applicable: true, instances: [{ instanceId: 'i-1', agentVersion: 'beta' }, { instanceId: 'i-2' }] });
    const none = agentProblems({ applicable: true, instances: [] });
    const local = agentProblems({ applicable: false, reason: 'not applicable' });

    // Assess
    expect(problems).toEqual([
      `i-1: SSM Agent version unknown (beta); ${MIN_AGENT_VERSION} or later is required`,
      `i-2: SSM Agent version unknown (not reported); ${MIN_AGENT_VERSION} or later is required`,
    ]);
    expect(none).toEqual(['no managed instance matches the targets']);
    expect(local).toEqual([]);
  });
});

describe('agent versions, edges', () => {
  it.each([
    ['3.3', '3.3.1', -1],
    ['3.3.0.1', '3.3', 1],
  ])('should compare %s with %s as %i, reading the parts only one of them has', (a, b, expected) => {
    // Act + Assess
    expect(compareVersions(a, b)).toBe(expected);
  });

  it.each([
    [' 3.3.2746.0', '3.3.2746.0'],
    ['3.3.2746.0 ', '3.3.2746.0'],
    ['3.3.0x10.0', '3.3.2746.0'],
    ['3.3.2746.0', ' 3.3.2746.0'],
    ['3.3.2746.0', '3.3.2746.0 '],
    ['3.3.2746.0', '3.3.0x10.0'],
  ])('should not read %j against %j: a part that is not only digits makes the comparison unknown', (a, b) => {
    // Act + Assess
    expect(compareVersions(a, b)).toBeUndefined();
  });

  it('should pass instances whose agents are the minimum or newer, with or without the expected ids', () => {
    // Arrange
    const instances = [{ instanceId: 'i-1', agentVersion: MIN_AGENT_VERSION }, { instanceId: 'i-2', agentVersion: '3.3.2747.0' }];

    // Act
    const withoutIds = agentProblems({ applicable: true, instances });
    const withIds = agentProblems({ applicable: true, instances, expectedIds: ['i-1', 'i-2'] });

    // Assess
    expect(withoutIds).toEqual([]);
    expect(withIds).toEqual([]);
  });

  it('should name each expected target that has no registered agent, and not claim that no instance matches', () => {
    // Arrange
    const inventory = { applicable: true as const, instances: [{ instanceId: 'i-1', agentVersion: '3.3.3000.0' }], expectedIds: ['i-1', 'i-9', 'i-8'] };

    // Act
    const problems = agentProblems(inventory);
    const noneRegistered = agentProblems({ applicable: true, instances: [], expectedIds: ['i-7'] });

    // Assess
    expect(problems).toEqual([
      'i-9: not a managed instance of Systems Manager (no SSM Agent registered)',
      'i-8: not a managed instance of Systems Manager (no SSM Agent registered)',
    ]);
    expect(noneRegistered).toEqual(['i-7: not a managed instance of Systems Manager (no SSM Agent registered)']);
  });

  it('should flag an agent older than the minimum, naming it, the minimum and the update document', () => {
    // Act
    const problems = agentProblems({ applicable: true, instances: [{ instanceId: 'i-3', agentVersion: '3.3.2745.9' }, { instanceId: 'i-4', agentVersion: '3.3.2746.0' }] });
    const customMinimum = agentProblems({ applicable: true, instances: [{ instanceId: 'i-5', agentVersion: '3.3.2746.0' }] }, '3.4.0.0');

    // Assess
    expect(problems).toEqual([
      `i-3: SSM Agent 3.3.2745.9 is older than ${MIN_AGENT_VERSION}, the first version that passes document parameters as environment variables (interpolationType ENV_VAR); update it (AWS-UpdateSSMAgent)`,
    ]);
    expect(customMinimum).toEqual([
      'i-5: SSM Agent 3.3.2746.0 is older than 3.4.0.0, the first version that passes document parameters as environment variables (interpolationType ENV_VAR); update it (AWS-UpdateSSMAgent)',
    ]);
  });
});
