// Types for dynalite 4, which is CommonJS and ships none: only what lambdas/embedded/dynalite.ts uses.
// Not named dynalite.d.ts: next to dynalite.ts TypeScript would take it for that file's output and skip it.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** LevelDB directory; in memory when absent. */
    path?: string;
    /** How long a new table stays CREATING (default 500). */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    verbose?: boolean;
    debug?: boolean;
  }

  /** A plain Node HTTP server; its close() also closes the LevelDB store. */
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
