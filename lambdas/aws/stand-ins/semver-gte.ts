// Substituted for `semver` in the TEST function's bundle (see lib/bundling.ts): autocannon uses it once, at load, for
// `semver.gte(process.versions.node, '11.7.0')` (lib/util.js: worker support). Plain x.y.z comparison is all that
// takes; anything else it is asked fails loudly.
const parts = (version: string): number[] => {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!match) throw new Error(`semver stand-in: cannot compare ${JSON.stringify(version)} (only x.y.z versions)`);
  return match.slice(1, 4).map(Number);
};

/** a >= b, comparing major, minor, patch (pre-release tags are not used by the caller). */
export function gte(a: string, b: string): boolean {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i += 1) {
    if ((x[i] as number) !== (y[i] as number)) return (x[i] as number) > (y[i] as number);
  }
  return true;
}
