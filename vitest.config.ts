import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-kernel suites build network namespaces; they set their own timeouts.
    testTimeout: 20_000,
  },
});
