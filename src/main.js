// Entry point. Plain JavaScript so that an unsupported Node fails here with a
// clear message instead of a syntax error deep in the TypeScript sources.
const REQUIRED_MAJOR = 26;
const major = Number(process.versions.node.split('.')[0]);
if (major < REQUIRED_MAJOR || typeof process.features.typescript !== 'string') {
  process.stderr.write(
    `threadis needs Node.js ${REQUIRED_MAJOR}.x or newer (SO_REUSEPORT listeners and TypeScript type stripping); ` +
      `this is Node.js ${process.versions.node} at ${process.execPath}.\n` +
      `Run it through npm (npm start), which uses the Node pinned in package.json, or run ` +
      `node_modules/.bin/node src/main.js.\n`,
  );
  process.exit(1);
}
const { main } = await import('./server/supervisor.ts');
await main(process.argv.slice(2));
