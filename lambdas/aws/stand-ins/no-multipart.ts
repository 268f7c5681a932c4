// Substituted for the `form-data` package in the TEST function's bundle (see lib/bundling.ts). autocannon reaches it
// only for a multipart `form` option (lib/validate.js -> lib/multipart.js: `new FormData()`), which the load tester
// never passes; the real package brings mime-types and its 133 KB MIME database (~160 KB minified in all). Reaching
// it is a bug, and it says so. `export =` because autocannon require()s it as the constructor itself.
class FormData {
  constructor() {
    throw new Error('multipart bodies are not sent by the load tester: the TEST function bundles no form-data (lib/bundling.ts)');
  }
}

export = FormData;
