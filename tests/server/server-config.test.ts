/** Server settings: defaults, layering (later wins, unset never overrides) and the environment. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { resolveServerConfig, serverConfigFromEnv, SERVER_DEFAULTS } from '../../src/server/server-config.js';

describe('server settings', () => {
  it('binds to 127.0.0.1:8765 with no authentication by default', () => {
    expect(resolveServerConfig()).toEqual({
      host: '127.0.0.1',
      port: 8765,
      tokens: [],
      bodyLimitBytes: SERVER_DEFAULTS.bodyLimitBytes,
      maxBatchSize: undefined,
      logLevel: 'info',
      allowedHosts: [],
      corsAllowedOrigins: [],
      xFrameOptions: 'SAMEORIGIN',
      frameAncestors: [],
      headersTimeoutMs: 30_000,
      requestTimeoutMs: 120_000,
      connectionTimeoutMs: 120_000,
    });
  });

  it('layers settings field by field, later layers winning and unset fields not overriding', () => {
    const config = resolveServerConfig({ host: '0.0.0.0', port: 9000, logLevel: 'debug' }, { port: 9100, host: undefined });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 9100, logLevel: 'debug' });
    expect(resolveServerConfig({ port: 0 }).port).toBe(0);
  });

  it('reads AIMDB_SERVER_* variables, with named and unnamed tokens', () => {
    const config = serverConfigFromEnv({
      AIMDB_SERVER_HOST: '::1',
      AIMDB_SERVER_PORT: '9200',
      AIMDB_SERVER_BODY_LIMIT_BYTES: '1048576',
      AIMDB_SERVER_MAX_BATCH_SIZE: '5000',
      AIMDB_LOG_LEVEL: 'warn',
      AIMDB_SERVER_TOKENS: 'ci:write:0123456789abcdef0123,read:fedcba9876543210fedc',
    });
    expect(config).toEqual({
      host: '::1',
      port: 9200,
      bodyLimitBytes: 1_048_576,
      maxBatchSize: 5000,
      logLevel: 'warn',
      tokens: [
        { name: 'ci', scope: 'write', token: '0123456789abcdef0123' },
        { name: 'token 2', scope: 'read', token: 'fedcba9876543210fedc' },
      ],
    });
    expect(serverConfigFromEnv({ AIMDB_SERVER_PORT: '', AIMDB_SERVER_TOKENS: '' })).toEqual({});
  });

  it('names the variable and the rule when the environment is wrong', () => {
    expect(() => serverConfigFromEnv({ AIMDB_SERVER_PORT: 'eighty' })).toThrow(/AIMDB_SERVER_PORT/);
    expect(() => serverConfigFromEnv({ AIMDB_SERVER_TOKENS: 'admin:0123456789abcdef0123' })).toThrow(/scope 'admin'/);
    expect(() => serverConfigFromEnv({ AIMDB_SERVER_TOKENS: 'write:short' })).toThrow(ValidationError);
    expect(() => serverConfigFromEnv({ AIMDB_SERVER_TOKENS: 'write:short' })).toThrow(/16 characters/);
  });

  it('reads the browser-safety settings from AIMDB_SERVER_* as comma-separated lists, case-insensitive framing', () => {
    const config = serverConfigFromEnv({
      AIMDB_SERVER_ALLOWED_HOSTS: 'aimdb.example.com, *.corp.example,,',
      AIMDB_SERVER_CORS_ALLOWED_ORIGINS: 'https://app.example.com',
      AIMDB_SERVER_X_FRAME_OPTIONS: 'deny',
      AIMDB_SERVER_FRAME_ANCESTORS: 'https://portal.example.com',
    });
    expect(config).toEqual({
      allowedHosts: ['aimdb.example.com', '*.corp.example'],
      corsAllowedOrigins: ['https://app.example.com'],
      xFrameOptions: 'DENY',
      frameAncestors: ['https://portal.example.com'],
    });
    expect(serverConfigFromEnv({ AIMDB_SERVER_ALLOWED_HOSTS: '', AIMDB_SERVER_X_FRAME_OPTIONS: '' })).toEqual({});
  });

  it('layers the lists whole: a later layer replaces an earlier list', () => {
    const fromFile = { allowedHosts: ['file.example'], corsAllowedOrigins: ['https://file.example'] };
    const fromEnv = { allowedHosts: ['env.example'] };
    const config = resolveServerConfig(fromFile, fromEnv, { xFrameOptions: 'NONE' as const });
    expect(config).toMatchObject({ allowedHosts: ['env.example'], corsAllowedOrigins: ['https://file.example'], xFrameOptions: 'NONE' });
  });

  it('names the setting, the entry and the expected form when a pattern is wrong', () => {
    expect(() => resolveServerConfig({ allowedHosts: ['ok.example', 'http://evil.example/'] })).toThrow(/server\.allowedHosts\.1: 'http:\/\/evil\.example\/' is not a host pattern/);
    expect(() => resolveServerConfig({ allowedHosts: ['*.'] })).toThrow(ValidationError);
    expect(() => resolveServerConfig({ allowedHosts: ['bad host'] })).toThrow(/server\.allowedHosts\.0/);
    expect(() => resolveServerConfig({ corsAllowedOrigins: ['app.example.com'] })).toThrow(/server\.corsAllowedOrigins\.0: 'app\.example\.com' is not an origin/);
    expect(() => resolveServerConfig({ corsAllowedOrigins: ['https://app.example.com/path'] })).toThrow(/is not an origin/);
    expect(() => resolveServerConfig({ frameAncestors: ["'self'; script-src *"] })).toThrow(/server\.frameAncestors\.0/);
    expect(() => serverConfigFromEnv({ AIMDB_SERVER_X_FRAME_OPTIONS: 'ALLOW-FROM https://x.example' })).toThrow(/AIMDB_SERVER_X_FRAME_OPTIONS|xFrameOptions/);
  });
});
