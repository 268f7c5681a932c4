// The stand-ins for parts of autocannon (and of the SDK) the functions never reach, required the way their packages require them.
describe('form-data stand-in', () => {
  it('should refuse to build a multipart body, naming why', () => {
    // Prepare
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const FormData = require('../../../lambdas/aws/stand-ins/no-multipart') as new () => unknown;

    // Assess
    expect(() => new FormData()).toThrow(/multipart bodies are not sent by the load tester/);
  });
});

describe('cli-printer stand-in', () => {
  it('should load as a base class but refuse to print, naming why', () => {
    // Prepare
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Table = require('../../../lambdas/aws/stand-ins/cli-printer') as new () => object;
    class TableWithoutColor extends Table {}

    // Assess
    expect(() => new TableWithoutColor()).toThrow(/command-line printer is not bundled in the TEST function/);
    expect(() => (Table as unknown as () => void)()).toThrow(/command-line printer/);
  });
});

describe('semver stand-in', () => {
  it('should compare x.y.z versions as semver.gte does', () => {
    // Prepare
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { gte } = require('../../../lambdas/aws/stand-ins/semver-gte') as { gte: (a: string, b: string) => boolean };

    // Assess
    expect([gte('24.1.0', '11.7.0'), gte('11.7.0', '11.7.0'), gte('11.6.9', '11.7.0'), gte('v10.20.1', '11.7.0'), gte('11.10.0', '11.7.0')]).toEqual([true, true, false, false, true]);
    expect(() => gte('latest', '11.7.0')).toThrow(/cannot compare "latest"/);
  });
});

describe('pako stand-in (Node\'s zlib)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const standIn = require('../../../lambdas/aws/stand-ins/node-zlib-pako') as { inflate: (d: Uint8Array, o?: object) => Uint8Array; deflate: (d: Uint8Array, o?: object) => Uint8Array };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pako = require('pako') as { inflate: (d: Uint8Array) => Uint8Array; deflate: (d: Uint8Array) => Uint8Array };

  it('should inflate hdr-histogram-js\'s WebAssembly binary to the very bytes pako gives', () => {
    // Prepare: what dist/wasm/index.js hands to pako.inflate.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { BINARY } = require('hdr-histogram-js/dist/wasm/generated-wasm') as { BINARY: string };
    const compressed = new Uint8Array(Buffer.from(BINARY, 'base64'));

    // Act
    const inflated = standIn.inflate(compressed);

    // Assess
    expect(inflated).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(inflated).equals(Buffer.from(pako.inflate(compressed)))).toBe(true);
    expect(inflated.length).toBeGreaterThan(compressed.length);
  });

  it('should deflate so that pako inflates it back, and refuse options it does not implement', () => {
    // Prepare
    const data = new TextEncoder().encode('histogram '.repeat(100));

    // Act
    const deflated = standIn.deflate(data);

    // Assess
    expect(Buffer.from(pako.inflate(deflated)).toString()).toBe('histogram '.repeat(100));
    expect(() => standIn.inflate(deflated, { raw: true })).toThrow(/options are not supported/);
  });
});

describe('@smithy/core/event-streams stand-in', () => {
  it('should fail where the SDK awaits it, naming why', async () => {
    // Act: the SDK's HttpProtocol loads it with a dynamic import (loadEventStreamCapability), which the CommonJS bundle
    // turns into a require inside a promise.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loading = Promise.resolve().then(() => require('../../../lambdas/aws/stand-ins/no-event-streams') as unknown);

    // Assess
    await expect(loading).rejects.toThrow(/leave @smithy\/core\/event-streams out/);
  });
});
