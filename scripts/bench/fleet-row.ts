// Fleet scale: one change against 1, 10, 100 and 1,000 hosts through the AWS host-command adapter (SsmHostCommands)
// over a mocked SSM client that returns that many invocations, on the local engine running the real ASL. Counts
// the execution's history events, the largest input or output of any state, and the SSM calls of each phase.
// SSM shapes: SendCommand https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html,
// ListCommandInvocations (MaxResults 1-50, NextToken, Filters [{ key: Status, value }], CommandPlugins[].Output/ResponseCode)
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListCommandInvocations.html,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CommandFilter.html,
// ListCommands (Commands[].Status, TargetCount, CompletedCount, ErrorCount, DeliveryTimedOutCount)
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListCommands.html,
// GetCommandInvocation https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html;
// the status-change event EventBridge delivers per command:
// https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-event-bridge-events.html
import { randomUUID } from 'node:crypto';
import {
  DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandInvocationsCommand, ListCommandsCommand, SendCommandCommand, SSMClient,
  type CommandInvocation, type ListCommandInvocationsCommandInput,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { SsmHostCommands } from '../../lambdas/adapters/aws/ssm-host-commands';
import { loadDocuments } from '../../lambdas/adapters/documents-dir';
import { ssmCommandStatusEvent } from '../../lambdas/core/events';
import { DOCUMENTS_DIR } from '../../lambdas/embedded/runtime';
import { benchChange, benchProfile, changeId, startBenchEngine } from './engine';
import { awsHistoryEstimate } from './history';
import { kb, type BenchRow } from './table';

export const EVENTS_TARGET = 2500;
export const PAYLOAD_TARGET_BYTES = 32 * 1024;

const PHASES: [RegExp, string][] = [
  [/^(Start Attempt|PreFlight|Resume)/, 'PRE-FLIGHT'], [/^Plan /, 'PLAN'], [/^(Act |Monitor )/, 'ACT'], [/^Test /, 'TEST'],
  [/^(Rollback |Report Rollback)/, 'ROLLBACK'], [/^Report /, 'REPORT'],
];

export interface FleetRun {
  hosts: number;
  status: string;
  events: number;
  awsEvents: number;
  largestPayload: number;
  largestAt: string;
  /** SSM calls by phase, e.g. { 'PRE-FLIGHT': { SendCommand: 3, ListCommandInvocations: 3 } }. */
  calls: Record<string, Record<string, number>>;
}

/** The stdout a document prints on one host: some lines, then its JSON result. */
// As the documents write it: stdout holds only the one-line JSON result (their progress goes to stderr).
const hostOutput = (i: number): string => `{"ok":true,"host":${i}}`;

export async function fleetRun(hosts: number): Promise<FleetRun> {
  const client = new SSMClient({ region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const ssm = mockClient(client);
  const calls: Record<string, Record<string, number>> = {};
  let phase = 'PRE-FLIGHT';
  const phaseOfCommand = new Map<string, string>();
  const countCall = (command: string, inPhase: string): void => {
    const row = (calls[inPhase] ??= {});
    row[command] = (row[command] ?? 0) + 1;
  };
  const invocations = (commandId: string): CommandInvocation[] => Array.from({ length: hosts }, (_, i) => ({
    CommandId: commandId, InstanceId: `i-${(0x10000000 + i).toString(16)}`, Status: 'Success',
    CommandPlugins: [{ Name: 'runShellScript', Status: 'Success', ResponseCode: 0, Output: hostOutput(i) }],
  }));
  let largestPayload = 0;
  let largestAt = '';
  const b = await startBenchEngine({
    monitorWindowMs: 0,
    hosts: (bus) => {
      ssm.on(SendCommandCommand).callsFake((input: { DocumentName?: string }) => {
        const commandId = randomUUID();
        phaseOfCommand.set(commandId, phase);
        countCall('SendCommand', phase);
        // EventBridge delivers one status-change event per command once every invocation has finished.
        setTimeout(() => bus.publish(ssmCommandStatusEvent({
          'command-id': commandId, 'document-name': input.DocumentName ?? 'unknown', 'expire-after': new Date(Date.now() + 3600e3).toISOString(),
          parameters: {}, 'requested-date-time': new Date().toISOString(), status: 'Success',
        }, new Date())), 0);
        return { Command: { CommandId: commandId, TargetCount: hosts, Status: 'Pending' } };
      });
      // PRE-FLIGHT's SSM Agent check: every host online with a current agent, 50 a page (MaxResults 5-50, NextToken):
      // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html
      ssm.on(DescribeInstanceInformationCommand).callsFake((input: { NextToken?: string }) => {
        countCall('DescribeInstanceInformation', phase);
        const start = Number(input.NextToken ?? 0);
        const end = Math.min(start + 50, hosts);
        const page = Array.from({ length: end - start }, (_, k) => ({ InstanceId: `i-${(0x10000000 + start + k).toString(16)}`, AgentVersion: '3.3.2746.0', PingStatus: 'Online' }));
        return { InstanceInformationList: page, ...(end < hosts ? { NextToken: String(end) } : {}) };
      });
      ssm.on(ListCommandInvocationsCommand).callsFake((input: ListCommandInvocationsCommandInput) => {
        countCall('ListCommandInvocations', phaseOfCommand.get(input.CommandId ?? '') ?? phase);
        const start = Number(input.NextToken ?? 0);
        const end = start + (input.MaxResults ?? 50);
        const wanted = input.Filters?.find((f) => f.key === 'Status')?.value;
        const all = invocations(input.CommandId ?? '').filter((i) => wanted === undefined || i.Status === wanted);
        return { CommandInvocations: all.slice(start, end), ...(end < all.length ? { NextToken: String(end) } : {}) };
      });
      ssm.on(GetCommandInvocationCommand).callsFake((input: { CommandId: string; InstanceId: string }) => {
        countCall('GetCommandInvocation', phaseOfCommand.get(input.CommandId) ?? phase);
        return { CommandId: input.CommandId, InstanceId: input.InstanceId, Status: 'Success', ResponseCode: 0, StandardOutputContent: hostOutput(0), StandardErrorContent: 'checked host 0' };
      });
      ssm.on(ListCommandsCommand).callsFake((input: { CommandId: string }) => {
        countCall('ListCommands', phaseOfCommand.get(input.CommandId) ?? phase);
        return { Commands: [{ CommandId: input.CommandId, Status: 'Success', TargetCount: hosts, CompletedCount: hosts, ErrorCount: 0, DeliveryTimedOutCount: 0 }] };
      });
      return new SsmHostCommands(client, { documents: loadDocuments(DOCUMENTS_DIR), logGroupName: '/runbook/bench/commands', sleep: async () => undefined });
    },
    engine: {
      onHistoryEvent: (_name, event) => {
        if (event.type !== 'StateEntered' || event.parentState || !event.stateName) return;
        phase = PHASES.find(([re]) => re.test(event.stateName as string))?.[1] ?? phase;
      },
      onStateData: (_name, stateName, data) => {
        const bytes = Buffer.byteLength(JSON.stringify(data.input ?? data.output ?? null));
        if (bytes > largestPayload) {
          largestPayload = bytes;
          largestAt = `${stateName} ${data.input !== undefined ? 'input' : 'output'}`;
        }
      },
    },
  });
  try {
    const environment = `bench-fleet-${hosts}`;
    const profile = benchProfile(environment, { targets: { kind: 'tag', key: 'Role', values: ['bench'] }, serviceManager: 'systemd' });
    const outcome = await b.engine.wait(await b.submitApproved(benchChange(changeId(hosts % 800), environment), profile));
    return { hosts, status: outcome.status, events: outcome.history.length, awsEvents: awsHistoryEstimate(outcome.history), largestPayload, largestAt, calls };
  } finally {
    await b.close();
    ssm.restore();
  }
}

/** Calls that are known to grow with the fleet, and why they cannot be constant. */
const BOUNDS: Record<string, string> = {
  // InstanceInformationStringFilter matches AgentVersion by equality only, so no filter returns just the outdated
  // agents: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformationStringFilter.html
  DescribeInstanceInformation: 'the SSM Agent version check, once per change: ⌈hosts/50⌉ pages (MaxResults is at most 50, and no filter selects only outdated agents)',
};

const total = (calls: Record<string, number> | undefined): number => Object.values(calls ?? {}).reduce((a, n) => a + n, 0);

export async function fleetRows(options: { hostCounts: number[] }): Promise<BenchRow[]> {
  const runs: FleetRun[] = [];
  for (const hosts of options.hostCounts) runs.push(await fleetRun(hosts));
  const last = runs[runs.length - 1];
  if (!last) throw new Error('fleet rows: no host counts');
  const counts = runs.map((r) => r.hosts.toLocaleString('en-US')).join(' / ');
  const failed = runs.filter((r) => r.status !== 'SUCCEEDED');
  const failNote = failed.length ? { note: `runs that did not succeed: ${failed.map((r) => `${r.hosts} hosts ${r.status}`).join(', ')}` } : {};
  const phases = [...new Set(runs.flatMap((r) => Object.keys(r.calls)))];
  const perPhase = phases.map((p) => `${p} ${runs.map((r) => total(r.calls[p])).join('/')}`);
  const growing = phases.filter((p) => new Set(runs.map((r) => total(r.calls[p]))).size > 1);
  const growingDetail = growing.map((p) => {
    const ops = Object.keys(last.calls[p] ?? {}).filter((op) => new Set(runs.map((r) => r.calls[p]?.[op] ?? 0)).size > 1);
    return `${p}: ${ops.map((op) => `${op} ${runs.map((r) => r.calls[p]?.[op] ?? 0).join('/')}${BOUNDS[op] ? ` (${BOUNDS[op]})` : ''}`).join(', ')}`;
  });
  return [
    {
      figure: `history events per change at ${counts} hosts`,
      measured: `${runs.map((r) => r.events).join(' / ')} (AWS est. ${runs.map((r) => r.awsEvents).join(' / ')})`,
      target: `≤ ${EVENTS_TARGET.toLocaleString('en-US')} at ${last.hosts.toLocaleString('en-US')} hosts (limit 25,000)`, value: last.awsEvents,
      met: failed.length === 0 && last.awsEvents <= EVENTS_TARGET, ...failNote,
    },
    {
      figure: `largest state payload at ${counts} hosts`,
      measured: `${runs.map((r) => kb(r.largestPayload)).join(' / ')} (largest: ${last.largestAt})`,
      target: `≤ ${PAYLOAD_TARGET_BYTES / 1024} KB at ${last.hosts.toLocaleString('en-US')} hosts (limit 256 KiB)`, value: last.largestPayload,
      met: failed.length === 0 && last.largestPayload <= PAYLOAD_TARGET_BYTES, ...failNote,
    },
    {
      figure: `SSM calls per phase at ${counts} hosts`,
      measured: perPhase.join('; '), target: 'constant in host count', value: runs.reduce((a, r) => a + Object.values(r.calls).reduce((s, c) => s + total(c), 0), 0),
      met: failed.length === 0 && growing.length === 0,
      ...(growing.length ? { note: `grows with host count: ${growingDetail.join('; ')}` } : failNote),
    },
  ];
}
