import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

export default defineConfig({
  ...sharedTestConfig,
  test: {
    ...sharedTestConfig.test,
    // Builds (or reuses) the Collector and VictoriaLogs once per run; see test/global-setup.ts.
    globalSetup: ['./test/global-setup.ts'],
    // The suites start real services and share 2 CPU cores: one file at a time keeps timings sane.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
