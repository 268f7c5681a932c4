import { buildEntry, kb } from '../test/support/bundles';
(async () => { const b = await buildEntry(process.argv[2] as never); const by = new Map<string, number>();
for (const i of b.inputs) { const x = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(i.path); const k = x ? x[1] as string : i.path.split('/').slice(0, 2).join('/'); by.set(k, (by.get(k) ?? 0) + i.bytes); }
console.log(b.name, kb(b.bytes)); for (const [k, v] of [...by].sort((a, c) => c[1] - a[1]).slice(0, +(process.argv[3] ?? 30))) console.log('  ', k.padEnd(45), kb(v)); })();
