import { defineConfig } from 'vitest/config';

const resultsFile = process.env.FIREBREAK_TEST_RESULTS;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['local/promise-with-resolvers.ts'],
    // CDK synthesis and the in-process DynamoDB server are CPU-heavy; two workers match the CI machine.
    maxWorkers: 2,
    testTimeout: 60_000,
    // Tests run on the Node 20 of this machine on purpose (the Lambdas run nodejs22.x); the SDK's notice
    // about Node 22 would only bury real output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 60_000,
    // .ci/run reads the counts from a JSON report; people get the default one.
    reporters: resultsFile ? ['default', ['json', { outputFile: resultsFile }]] : ['default'],
  },
});
