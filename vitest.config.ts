import { defineConfig } from 'vitest/config';

const resultsFile = process.env.FIREBREAK_TEST_RESULTS;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CDK synthesis and the in-process DynamoDB server are CPU-heavy; two workers match the CI machine.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // .ci/run reads the counts from a JSON report; people get the default one.
    reporters: resultsFile ? ['default', ['json', { outputFile: resultsFile }]] : ['default'],
  },
});
