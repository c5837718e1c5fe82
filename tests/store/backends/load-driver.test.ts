/**
 * Drivers load with a backend's first connection (decision 1305): a driver that is not installed is a
 * BackendError that names the package to install, and any other failure of the driver passes through.
 */
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../../src/index.js';
import { loadDriver } from '../../../src/store/backends/backend.js';

describe('loadDriver', () => {
  it('a driver that is not installed is a BackendError naming the package to install', async () => {
    const failure = await loadDriver('aimdb-test-no-such-driver', () => import('aimdb-test-no-such-driver' as string)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BackendError);
    expect((failure as BackendError).message).toBe(
      "the database driver aimdb-test-no-such-driver is not installed; install it with 'npm install aimdb-test-no-such-driver'",
    );
  });

  it('a driver that fails for another reason keeps its own error', async () => {
    const broken = new Error('the native module was built for another Node.js');
    await expect(loadDriver('better-sqlite3', () => Promise.reject(broken))).rejects.toBe(broken);
  });

  it('an installed driver is handed back as loaded', async () => {
    const loaded = await loadDriver('better-sqlite3', () => import('better-sqlite3'));
    expect(typeof loaded.default).toBe('function');
  });
});
