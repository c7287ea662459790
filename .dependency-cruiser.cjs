// The layer check (DESIGN.md, "The engine's shape"): dependencies point down
// only, and no runtime import cycles. Run with `npm run depcheck` (npm test
// runs it too); scripts/depcheck.mjs prints what breaks which rule.
//
// Parser: swc, because dependency-cruiser 18 cannot use TypeScript 7 (the
// project's tsc). swc marks `import type` / `export type` as "type-only";
// `import { type A }` is NOT type-only at run time (the module still loads),
// and swc would call it type-only, so write `import type { A }` instead.

/** Bottom first. A layer may import itself and the layers before it. */
const LAYERS = [
  // Tiny helpers with no engine knowledge (the logger).
  { name: 'util', path: '^src/util/' },
  // RESP parser/writer, number formatting, error words, argument parsing.
  { name: 'protocol', path: '^src/protocol/' },
  // Low-level utilities: configuration parameters, the cluster slot map.
  { name: 'config', path: '^src/(config|cluster)/' },
  // Rings, doorbells, frames.
  { name: 'transport', path: '^src/transport/' },
  // Arena, dict, keyspace, expiry, eviction, value types.
  { name: 'store', path: '^src/store/' },
  // The Shard interface (LocalShard/RemoteShard), hop wire format.
  { name: 'shard', path: '^src/shard/' },
  // Scheduler, intent locks, Transaction API, squasher: handed an executor
  // interface, never importing commands or server.
  { name: 'tx', path: '^src/tx/' },
  // One family per file.
  { name: 'commands', path: '^src/commands/' },
  // Dispatcher, invoker, connection I/O, supervisor, threads.
  { name: 'server', path: '^src/server/' },
  // Entry points.
  { name: 'entry', path: '^(src/main\\.js$|workers/)' },
];

/**
 * Upward imports that are known and not yet fixed; any other upward import
 * fails. `typeOnly: true` allows only `import type` of that module.
 * Remove an entry as soon as the import is gone (a stale entry fails too).
 */
const KNOWN_UPWARD = [
  // Commands see the calling Client and the thread's ServerContext (CLIENT,
  // HELLO, DEBUG, MULTI/EXEC, step plans read and change them): a
  // client/server interface for commands, owned by commands/, replaces these.
  { from: 'src/commands/command.ts', to: 'src/server/client.ts', typeOnly: true },
  { from: 'src/commands/command.ts', to: 'src/server/server-context.ts', typeOnly: true },
  { from: 'src/commands/client.ts', to: 'src/server/client.ts', typeOnly: true },
  { from: 'src/commands/client.ts', to: 'src/server/server-context.ts', typeOnly: true },
  { from: 'src/commands/connection.ts', to: 'src/server/client.ts', typeOnly: true },
  { from: 'src/commands/debug.ts', to: 'src/server/client.ts', typeOnly: true },
  { from: 'src/commands/step-plans.ts', to: 'src/server/client.ts', typeOnly: true },
  { from: 'src/commands/transactions.ts', to: 'src/server/client.ts', typeOnly: true },
];

/**
 * Moved modules whose old path is still a re-export, for files that were
 * being written against it while it moved. Only these files may import the
 * old path; when they no longer do, delete the re-export and this entry.
 */
const MOVED = [
];

const escape = (path) => `^${path.replace(/[.]/g, '\\.')}$`;

function layerRules() {
  const rules = [];
  LAYERS.forEach((layer, index) => {
    const above = LAYERS.slice(index + 1).map((upper) => upper.path);
    if (above.length === 0) return;
    const below = LAYERS.slice(0, index).map((lower) => lower.name);
    const comment =
      `${layer.name} may import only ${below.length ? below.join(', ') + ' and ' : ''}itself ` +
      '(DESIGN.md: dependencies point down only); move the shared piece down, or hand it an interface';
    const excepted = [...new Set(KNOWN_UPWARD.filter((e) => new RegExp(layer.path).test(e.from)).map((e) => e.from))];
    rules.push({
      name: `${layer.name}-imports-upward`,
      severity: 'error',
      comment,
      from: { path: layer.path, pathNot: excepted.map(escape) },
      to: { path: above },
    });
    // A file with known exceptions: everything else upward still fails, and a
    // type-only exception does not allow a runtime import of the same module.
    for (const from of excepted) {
      const mine = KNOWN_UPWARD.filter((e) => e.from === from);
      rules.push({
        name: `${layer.name}-imports-upward`,
        severity: 'error',
        comment,
        from: { path: escape(from) },
        to: { path: above, pathNot: mine.map((e) => escape(e.to)) },
      });
      const typeOnly = mine.filter((e) => e.typeOnly).map((e) => escape(e.to));
      if (typeOnly.length > 0) {
        rules.push({
          name: `${layer.name}-type-only-exception`,
          severity: 'error',
          comment: 'a known upward exception for `import type` only (KNOWN_UPWARD) is now imported at run time',
          from: { path: escape(from) },
          to: { path: typeOnly, dependencyTypesNot: ['type-only'] },
        });
      }
    }
  });
  return rules;
}

module.exports = {
  forbidden: [
    {
      name: 'no-runtime-cycle',
      severity: 'error',
      comment:
        'runtime import cycle (module evaluation order then depends on who is loaded first); ' +
        '`import type` edges do not count. Break it by moving the shared piece down',
      from: {},
      to: {
        circular: true,
        dependencyTypesNot: ['type-only'],
        viaOnly: { dependencyTypesNot: ['type-only'] },
      },
    },
    ...layerRules(),
    ...MOVED.map((moved) => ({
      name: 'moved-module',
      severity: 'error',
      comment: `imports the old path of a moved module (${MOVED.map((m) => `${m.from} is now ${m.to}`).join(', ')})`,
      from: { pathNot: [escape(moved.from), ...moved.stillUsedBy.map(escape)] },
      to: { path: escape(moved.from) },
    })),
    {
      name: 'no-test-or-bench-from-src',
      severity: 'error',
      comment: 'the server must not depend on test or benchmark code',
      from: { path: '^(src|workers)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'this import does not resolve to a file',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    parser: 'swc',
    // Cruised from src/ and workers/; test/ and bench/ only show up as targets.
    doNotFollow: { path: ['node_modules', '^(test|bench)/'] },
    moduleSystems: ['es6', 'cjs'],
  },
};

// For scripts/depcheck.mjs (stale exceptions); not enumerable, so
// dependency-cruiser's schema does not see them.
Object.defineProperty(module.exports, 'knownUpward', { value: KNOWN_UPWARD, enumerable: false });
Object.defineProperty(module.exports, 'moved', { value: MOVED, enumerable: false });
