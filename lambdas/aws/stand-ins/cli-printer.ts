// Substituted in the TEST function's bundle for the packages of autocannon's command-line progress bar and result
// table (chalk, cli-table3, progress, color-support, char-spinner, pretty-bytes; see lib/bundling.ts). autocannon's
// entry requires them at load, but runs them only for its CLI (`track` needs an internal flag only the CLI sets); the
// load tester reads the results object instead. A function, so that `class X extends Table` still loads; calling or
// constructing it is a bug, and says so.
function notPrinted(): never {
  throw new Error('autocannon\'s command-line printer is not bundled in the TEST function: the load tester reads its results object (lib/bundling.ts)');
}

export = notPrinted;
