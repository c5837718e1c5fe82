import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Backends are shared servers; files run in parallel but each owns its own database.
    pool: 'forks',
    maxWorkers: 2,
  },
});
