// The seed's risk matrix (risk-assessment.js): probability 1..5 × impact 1..5;
// LOW ≤ 4, MEDIUM ≤ 9, HIGH ≤ 16, CRITICAL above; HIGH and CRITICAL need executive approval.
import { IMPACTS, PROBABILITIES, type ChangeRequest } from './schemas';
import type { ApprovalRole } from './records';

export type Probability = (typeof PROBABILITIES)[number];
export type Impact = (typeof IMPACTS)[number];
export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export const PROBABILITY_SCORE: Record<Probability, number> = { very_low: 1, low: 2, medium: 3, high: 4, very_high: 5 };
export const IMPACT_SCORE: Record<Impact, number> = { negligible: 1, minor: 2, moderate: 3, major: 4, severe: 5 };

export function calculateRiskScore(probability: Probability, impact: Impact): number {
  return PROBABILITY_SCORE[probability] * IMPACT_SCORE[impact];
}

export function getRiskLevel(score: number): RiskLevel {
  if (score <= 4) return 'LOW';
  if (score <= 9) return 'MEDIUM';
  if (score <= 16) return 'HIGH';
  return 'CRITICAL';
}

export interface RiskItem {
  id: string;
  description: string;
  probability: Probability;
  impact: Impact;
  mitigation?: string;
  owner?: string;
  score: number;
  level: RiskLevel;
  requires_executive_approval: boolean;
}

export interface RiskAssessment {
  items: RiskItem[];
  /** The highest item score (0 with no declared risks). */
  score: number;
  level: RiskLevel;
  requiresExecutiveApproval: boolean;
}

const LEVEL_ORDER: RiskLevel[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** The seed's generateRiskReport, plus the change's overall level: its worst item. */
export function assessRisk(request: ChangeRequest): RiskAssessment {
  const items: RiskItem[] = request.risks_and_mitigations.map((r, i) => {
    const score = calculateRiskScore(r.probability, r.impact);
    const level = getRiskLevel(score);
    return {
      id: `R${String(i + 1).padStart(3, '0')}`,
      description: r.risk,
      probability: r.probability,
      impact: r.impact,
      ...(r.mitigation !== undefined ? { mitigation: r.mitigation } : {}),
      ...(r.owner !== undefined ? { owner: r.owner } : {}),
      score,
      level,
      requires_executive_approval: level === 'HIGH' || level === 'CRITICAL',
    };
  });
  const score = items.reduce((m, i) => Math.max(m, i.score), 0);
  const level = items.reduce<RiskLevel>((m, i) => (LEVEL_ORDER.indexOf(i.level) > LEVEL_ORDER.indexOf(m) ? i.level : m), 'LOW');
  return { items, score, level, requiresExecutiveApproval: level === 'HIGH' || level === 'CRITICAL' };
}

/** Technical, business and security always; executive too for HIGH and CRITICAL. */
export function requiredApprovals(risk: RiskAssessment): ApprovalRole[] {
  const roles: ApprovalRole[] = ['technical', 'business', 'security'];
  return risk.requiresExecutiveApproval ? [...roles, 'executive'] : roles;
}
