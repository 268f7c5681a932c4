// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22+) inside every Task. On Node 20 it
// would throw *after* the handler ran and Retry/Catch would swallow it: load this before the engine.
export function installPromiseWithResolvers(): void {
  const P = Promise as PromiseConstructor & { withResolvers?: unknown };
  if (typeof P.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
      return { promise, resolve, reject };
    },
  });
}

installPromiseWithResolvers();
