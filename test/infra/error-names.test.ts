// The Lambda bundles are minified without keepNames (lib/bundling.ts): a class's own name becomes a letter. What the
// state machine routes on (ASL ErrorEquals) and what callers read is `error.name`, so every error class under lambdas/
// must declare its name as a string literal equal to the class name, which minifying keeps (or set the name it is
// given, as the embedded engine's TaskFailure does).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const ERROR_CLASS = /export class (\w+) extends (\w*Error|RunbookError)\b[^{]*\{([\s\S]*?)\n\}|export class (\w+) extends (\w*Error|RunbookError)\b[^{]*\{([^\n]*)\}/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

const classes = sourceFiles(join(ROOT, 'lambdas')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(ERROR_CLASS)].map((m) => ({
  file: relative(ROOT, file), name: (m[1] ?? m[4]) as string, body: (m[3] ?? m[6]) as string,
})));

describe('error classes under lambdas/ (minified without keepNames)', () => {
  it('should find the error classes (the scan itself works)', () => {
    // Assess
    expect(classes.map((c) => c.name)).toEqual(expect.arrayContaining(['RunbookError', 'ValidationError', 'AlarmTriggered', 'PortNotWired', 'HostCommandFailed']));
  });

  it('should give each a `name` string literal equal to its class name, or the name it is given', () => {
    // Act
    const unnamed = classes.filter((c) => !new RegExp(`(override )?name = '${c.name}'|this\\.name = name;`).test(c.body)).map((c) => `${c.file}: ${c.name}`);

    // Assess
    expect(unnamed).toEqual([]);
  });

  it('should never read an error class\'s own name (`X.name`): minified, it is a letter, not what the ASL and reports match', () => {
    // Prepare: every use of `<ErrorClass>.name` in the code (the instance's `name` field is the literal; the class's is not)
    const names = new Set(classes.map((c) => c.name));
    const uses = sourceFiles(join(ROOT, 'lambdas')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\b([A-Z]\w+)\.name\b/g)]
      .filter((m) => names.has(m[1] as string)).map((m) => `${relative(ROOT, file)}: ${m[0]}`));

    // Assess
    expect(uses).toEqual([]);
  });
});
