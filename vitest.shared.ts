// Test settings shared by every workspace: resolve sibling packages to their TypeScript sources so tests
// never depend on a prior build.
import type { ViteUserConfig } from 'vitest/config';

export const sharedTestConfig: ViteUserConfig = {
  resolve: { conditions: ['logpush-otel-source'] },
  ssr: { resolve: { conditions: ['logpush-otel-source'], externalConditions: ['logpush-otel-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
};
