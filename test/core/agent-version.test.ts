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
