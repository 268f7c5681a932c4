// The seed's 5×5 risk matrix: worked examples, level boundaries, and who must approve.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assessRisk, calculateRiskScore, getRiskLevel, requiredApprovals, type RiskAssessment } from '../../lambdas/core/risk';
import { parseChangeRequest, type ChangeRequest } from '../../lambdas/core/schemas';

const seedRequest = (): ChangeRequest => parseChangeRequest(readFileSync(join(__dirname, '..', '..', 'examples', 'CR-2025-001.change.yml'), 'utf8'));

function withRisks(risks: ChangeRequest['risks_and_mitigations']): ChangeRequest {
  return { ...seedRequest(), risks_and_mitigations: risks };
}

describe('calculateRiskScore and getRiskLevel', () => {
  it("should score the seed's R001 (low × major) as 8, MEDIUM, without executive approval", () => {
    // Act
    const score = calculateRiskScore('low', 'major');

    // Assess
    expect(score).toBe(8);
    expect(getRiskLevel(score)).toBe('MEDIUM');
    expect(assessRisk(withRisks([{ risk: 'R001', probability: 'low', impact: 'major' }])).requiresExecutiveApproval).toBe(false);
  });

  it("should score the seed's R002 (very_low × severe) as 5, MEDIUM", () => {
    // Act
    const score = calculateRiskScore('very_low', 'severe');

    // Assess
    expect(score).toBe(5);
    expect(getRiskLevel(score)).toBe('MEDIUM');
  });

  it.each([
    [4, 'LOW'], [5, 'MEDIUM'],
    [9, 'MEDIUM'], [10, 'HIGH'],
    [16, 'HIGH'], [17, 'CRITICAL'],
    [1, 'LOW'], [25, 'CRITICAL'],
  ] as const)('should give score %i the level %s', (score, level) => {
    // Act
    const result = getRiskLevel(score);

    // Assess
    expect(result).toBe(level);
  });

  it('should span 1 to 25 across the matrix corners', () => {
    // Assess
    expect(calculateRiskScore('very_low', 'negligible')).toBe(1);
    expect(calculateRiskScore('very_high', 'severe')).toBe(25);
  });
});

describe('assessRisk', () => {
  it('should assess the seed change CR-2025-001 as MEDIUM (worst item 9) needing no executive', () => {
    // Act
    const risk = assessRisk(seedRequest());

    // Assess
    expect(risk.items.map((i) => [i.id, i.score, i.level, i.requires_executive_approval])).toEqual([
      ['R001', 8, 'MEDIUM', false],
      ['R002', 9, 'MEDIUM', false],
    ]);
    expect(risk).toMatchObject({ score: 9, level: 'MEDIUM', requiresExecutiveApproval: false });
    expect(requiredApprovals(risk)).toEqual(['technical', 'business', 'security']);
  });

  it.each([
    ['high', 'major', 16, 'HIGH'],
    ['very_high', 'major', 20, 'CRITICAL'],
  ] as const)('should require executive approval when a risk is %s × %s (%i, %s)', (probability, impact, score, level) => {
    // Prepare
    const request = withRisks([{ risk: 'minor', probability: 'low', impact: 'minor' }, { risk: 'big', probability, impact }]);

    // Act
    const risk = assessRisk(request);

    // Assess
    expect(risk).toMatchObject({ score, level, requiresExecutiveApproval: true });
    expect(risk.items[1]?.requires_executive_approval).toBe(true);
    expect(requiredApprovals(risk)).toEqual(['technical', 'business', 'security', 'executive']);
  });

  it('should take the worst item as the change\'s level whatever its place in the list', () => {
    // Prepare
    const request = withRisks([{ risk: 'big', probability: 'high', impact: 'major' }, { risk: 'minor', probability: 'low', impact: 'minor' }]);

    // Act
    const risk = assessRisk(request);

    // Assess
    expect(risk).toMatchObject({ score: 16, level: 'HIGH', requiresExecutiveApproval: true });
    expect(requiredApprovals(risk)).toEqual(['technical', 'business', 'security', 'executive']);
  });

  it('should be LOW with score 0 when the change declares no risks', () => {
    // Act
    const risk: RiskAssessment = assessRisk(withRisks([]));

    // Assess
    expect(risk).toEqual({ items: [], score: 0, level: 'LOW', requiresExecutiveApproval: false });
  });
});
