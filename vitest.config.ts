import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each file starts its own server processes; two files at a time suit a small machine.
    maxWorkers: 2,
    testTimeout: 30000,
    hookTimeout: 30000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/soak.test.ts'], sequence: { groupOrder: 0 } } },
      // The soak checks PING latency: it runs alone, after the rest.
      { extends: true, test: { name: 'soak', include: ['test/soak.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
