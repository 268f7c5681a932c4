// PRE-FLIGHT's SSM Agent check: every document passes its parameters through environment-variable interpolation
// (interpolationType: ENV_VAR, lambdas/core/documents.ts), which older agents ignore — the scripts would then run
// with empty SSM_<Name> variables. AWS documents the minimum agent as 3.3.2746.0:
// https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-troubleshooting.html
// ("Environment variables not available during execution ... Verify SSM Agent version is 3.3.2746.0 or later").
// Pure: the SSM adapter lists the agents (DescribeInstanceInformation), this decides.

export const MIN_AGENT_VERSION = '3.3.2746.0';

/** What the engine knows about the agents of a step's targets. */
export type AgentInventory =
  | { applicable: false; reason: string }
  | { applicable: true; instances: { instanceId: string; agentVersion?: string; pingStatus?: string }[]; expectedIds?: string[] };

/** Numeric, part by part (3.3.10 > 3.3.9); a missing part counts 0; undefined when a part is not a number. */
export function compareVersions(a: string, b: string): number | undefined {
  const pa = a.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
  const pb = b.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
  if ([...pa, ...pb].some(Number.isNaN)) return undefined;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** One line per target the documents cannot run on as written; empty when every agent is recent enough. */
export function agentProblems(inventory: AgentInventory, minimum = MIN_AGENT_VERSION): string[] {
  if (!inventory.applicable) return [];
  const problems: string[] = [];
  const seen = new Set(inventory.instances.map((i) => i.instanceId));
  for (const id of inventory.expectedIds ?? []) {
    if (!seen.has(id)) problems.push(`${id}: not a managed instance of Systems Manager (no SSM Agent registered)`);
  }
  if (inventory.instances.length === 0 && (inventory.expectedIds ?? []).length === 0) problems.push('no managed instance matches the targets');
  for (const i of inventory.instances) {
    const order = i.agentVersion === undefined ? undefined : compareVersions(i.agentVersion, minimum);
    if (order === undefined) problems.push(`${i.instanceId}: SSM Agent version unknown (${i.agentVersion ?? 'not reported'}); ${minimum} or later is required`);
    else if (order < 0) problems.push(`${i.instanceId}: SSM Agent ${i.agentVersion} is older than ${minimum}, the first version that passes document parameters as environment variables (interpolationType ENV_VAR); update it (AWS-UpdateSSMAgent)`);
  }
  return problems;
}
