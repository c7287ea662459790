// npm run depcheck: the layer check of .dependency-cruiser.cjs over src/ and
// workers/, plus two checks its rules cannot express:
// - every runtime cycle: dependency-cruiser looks for one cycle per import and
//   may miss a runtime cycle when the path it tries crosses an `import type`;
//   here the strongly connected components of the runtime graph are checked;
// - known exceptions (KNOWN_UPWARD, MOVED in the config) that no longer occur.
// Exits non-zero on any violation.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

const CONFIG = '.dependency-cruiser.cjs';
const ROOTS = ['src', 'workers'];
process.chdir(fileURLToPath(new URL('..', import.meta.url))); // paths in the rules are from the repository root

const options = await extractDepcruiseOptions(`./${CONFIG}`);
const { output: result } = await cruise(ROOTS, { ...options, validate: true });

/** Rule name -> lines; every violation is one line under the rule it breaks. */
const byRule = new Map();
const add = (rule, line) => byRule.set(rule, [...(byRule.get(rule) ?? []), line]);
const comments = new Map(result.summary.ruleSetUsed.forbidden.map((rule) => [rule.name, rule.comment]));
if (!comments.has('no-runtime-cycle')) comments.set('no-runtime-cycle', 'runtime import cycle');
comments.set('stale-exception', `a known exception (KNOWN_UPWARD or MOVED in ${CONFIG}) that no longer applies`);

const isRuntime = (dependency) => !dependency.dependencyTypes.includes('type-only');
const local = new Set(result.modules.filter((m) => !m.coreModule && /^(src|workers)\//.test(m.source)).map((m) => m.source));
const runtimeEdges = new Map();
for (const module of result.modules) {
  if (!local.has(module.source)) continue;
  runtimeEdges.set(module.source, [...new Set(module.dependencies.filter((d) => isRuntime(d) && local.has(d.resolved)).map((d) => d.resolved))]);
}

// Tarjan's strongly connected components over the runtime imports.
const components = [];
{
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const visit = (node) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of runtimeEdges.get(node)) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), index.get(next)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || runtimeEdges.get(node).includes(node)) components.push(component.sort());
    }
  };
  for (const node of runtimeEdges.keys()) if (!index.has(node)) visit(node);
}

/** A shortest runtime cycle through `start` inside its component. */
function cycleThrough(start, members) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const next of runtimeEdges.get(node)) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (previous.get(path[0]) !== null) path.unshift(previous.get(path[0]));
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start];
}

const dependenciesOf = (from, to) =>
  result.modules.find((m) => m.source === from)?.dependencies.filter((d) => d.resolved === to) ?? [];
for (const violation of result.summary.violations) {
  if (violation.cycle) {
    add(violation.rule.name, [violation.from, ...violation.cycle.map((step) => step.name)].join(' → '));
  } else {
    const typeOnly = !dependenciesOf(violation.from, violation.to).some(isRuntime);
    add(violation.rule.name, `${violation.from} → ${violation.to}${typeOnly ? '  (import type)' : ''}`);
  }
}

const flagged = new Set(
  result.summary.violations.filter((v) => v.rule.name === 'no-runtime-cycle').map((v) => v.from),
);
for (const component of components) {
  if (component.some((member) => flagged.has(member))) continue; // already reported above
  add('no-runtime-cycle', `${cycleThrough(component[0], new Set(component)).join(' → ')}  (all of: ${component.join(', ')})`);
}

// Known exceptions that no longer occur must leave the list.
const require = createRequire(import.meta.url);
const { knownUpward, moved } = require(`../${CONFIG}`);
for (const exception of knownUpward) {
  const edges = dependenciesOf(exception.from, exception.to);
  if (edges.length === 0) add('stale-exception', `${exception.from} → ${exception.to} no longer occurs: remove it`);
  else if (!exception.typeOnly && !edges.some(isRuntime)) add('stale-exception', `${exception.from} → ${exception.to} is only \`import type\` now: mark it typeOnly`);
}

for (const { from } of moved) {
  if (!result.modules.some((m) => m.dependencies.some((d) => d.resolved === from))) add('stale-exception', `${from}: nothing imports this re-export any more: delete it and its MOVED entry`);
}
if (byRule.size > 0) {
  let count = 0;
  for (const [rule, lines] of byRule) {
    count += lines.length;
    process.stdout.write(`\n${rule}: ${comments.get(rule) ?? ''}\n${lines.map((line) => `  ${line}\n`).join('')}`);
  }
  process.stdout.write(`\ndepcheck failed: ${count} violations (layers and rules: ${CONFIG}; DESIGN.md, "The engine's shape")\n`);
  process.exit(1);
}
process.stdout.write(
  `depcheck: ${result.summary.totalCruised} modules, ${result.summary.totalDependenciesCruised} imports: ` +
    `no runtime cycle, no upward import beyond the ${knownUpward.length} known exceptions\n`,
);
