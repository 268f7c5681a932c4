// Which port methods each Lambda entry can reach, by following the code itself: the TypeScript checker resolves every
// identifier from the entry module on to its declaration (functions, methods, variables, through imports), and the
// calls `deps.<port>.<method>(…)` met on the way are collected. Finer than "the modules it imports": a function that
// imports phases/events.ts for onAlarmStateChange does not inherit onCommandStatus's calls. Adapters (what the ports
// become) and the AWS wiring are not followed: the ports are the boundary, and the IAM test maps them to SDK calls.
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..');
// activeProbe: the AWS-only port of the functions that start or end a watched attempt; probeMetrics: the probe function's.
const PORTS = 'store|hosts|alarms|metrics|callbacks|notifier|parameters|executions|activeProbe|probeMetrics';
const PORT_CALL = new RegExp(`(?:^|\\.)deps\\.(${PORTS})\\.([A-Za-z]+)$`);
const PORT_ACCESS = new RegExp(`(?:^|\\.)deps\\.(${PORTS}|tester)$`);
/** The api's ExecutionControl (StopExecution, GetExecutionHistory), built in its entry. */
const CONTROL_CALL = /(?:^|\.)control\.(stop|history)$/;

/** Code whose calls count: the project's lambdas, less the adapters, the AWS wiring and the port interfaces. */
function followed(fileName: string): boolean {
  const rel = relative(ROOT, fileName).split(sep).join('/');
  return rel.startsWith('lambdas/') && !rel.endsWith('.d.ts') && !rel.startsWith('lambdas/adapters/')
    && rel !== 'lambdas/aws/deps.ts' && rel !== 'lambdas/ports.ts';
}

export interface PortUsage {
  /** `store.getChange`, `hosts.send`, `control.stop`, `profile.load`, … */
  calls: Set<string>;
  /**
   * Every port the code touches as `deps.<port>`, called or passed on as a value (`submissionIssues(deps.hosts, …)`),
   * the load tester included: what the entry must wire.
   */
  ports: Set<string>;
  /** Project files whose code was visited (for diagnostics). */
  files: Set<string>;
}

export function portUsage(entryFiles: string[]): Map<string, PortUsage> {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram(entryFiles, { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();

  const declarationsOf = (node: ts.Node): ts.Declaration[] => {
    let symbol = checker.getSymbolAtLocation(node);
    if (!symbol) return [];
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return symbol.declarations ?? [];
  };

  const result = new Map<string, PortUsage>();
  for (const entry of entryFiles) {
    const source = program.getSourceFile(entry);
    if (!source) throw new Error(`not in the program: ${entry}`);
    const usage: PortUsage = { calls: new Set(), ports: new Set(), files: new Set() };
    const visited = new Set<ts.Node>();
    const queue: ts.Node[] = [source];
    const walk = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) {
        for (const d of declarationsOf(node)) {
          if (followed(d.getSourceFile().fileName) && !visited.has(d)) queue.push(d);
        }
      } else if (ts.isCallExpression(node)) {
        const callee = node.expression.getText();
        const port = PORT_CALL.exec(callee);
        if (port) usage.calls.add(`${port[1]}.${port[2]}`);
        const control = CONTROL_CALL.exec(callee);
        if (control) usage.calls.add(`control.${control[1]}`);
      } else if (ts.isPropertyAccessExpression(node)) {
        const text = node.getText();
        if (/(?:^|\.)runtime\.profile$/.test(text)) usage.calls.add('profile.load');
        const port = PORT_ACCESS.exec(text);
        if (port) usage.ports.add(port[1] as string);
      }
      ts.forEachChild(node, walk);
    };
    while (queue.length > 0) {
      const node = queue.pop() as ts.Node;
      if (visited.has(node)) continue;
      visited.add(node);
      usage.files.add(relative(ROOT, node.getSourceFile().fileName).split(sep).join('/'));
      walk(node);
    }
    // The notifier names the system from the profile parameter.
    if (usage.calls.has('notifier.notify')) usage.calls.add('profile.load');
    if (usage.calls.has('profile.load')) usage.ports.add('profile');
    result.set(entry, usage);
  }
  return result;
}
