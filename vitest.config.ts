import { defineConfig } from 'vitest/config';

// Tests start real redis-server and chat server processes. Running suites in parallel on a
// 2-core machine makes their timing unreliable, so files run one at a time.
export default defineConfig({
  test: {
    include: ['**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
