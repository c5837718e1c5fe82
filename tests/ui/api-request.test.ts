/**
 * The dashboard attaches its token only to requests for its own origin, never sends cookies, and
 * refuses redirects (which could carry the header elsewhere).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, apiRequest } from '../../src/ui/api/http.js';

const PAGE = 'http://127.0.0.1:8765/runs/3?tab=metrics';
let saved: PropertyDescriptor | undefined;

beforeEach(() => {
  saved = Object.getOwnPropertyDescriptor(globalThis, 'location');
  Object.defineProperty(globalThis, 'location', { value: new URL(PAGE), configurable: true });
});
afterEach(() => {
  if (saved === undefined) delete (globalThis as { location?: unknown }).location;
  else Object.defineProperty(globalThis, 'location', saved);
});

describe('apiRequest', () => {
  it('sends the token to the page origin only, same-origin mode, no cookies, no redirects', () => {
    const { url, init } = apiRequest('/api/v1/models?limit=5', 'token-0123456789abcdef');
    expect(url.href).toBe('http://127.0.0.1:8765/api/v1/models?limit=5');
    expect(init).toMatchObject({ credentials: 'omit', redirect: 'error', mode: 'same-origin' });
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer token-0123456789abcdef');
  });

  it('refuses to attach the token to any other origin, protocol-relative and other ports included', () => {
    for (const target of ['http://evil.example/api/v1/models', '//evil.example/api/v1/models', 'http://127.0.0.1:9999/api/v1/models', 'http://localhost:8765/api']) {
      expect(() => apiRequest(target, 'token-0123456789abcdef'), target).toThrow(ApiError);
      expect(() => apiRequest(target, 'token-0123456789abcdef'), target).toThrow(/refusing to send the API token/);
    }
  });

  it('sends no authorization header without a token', () => {
    const { init } = apiRequest('/api/v1/models', null);
    expect((init.headers as Record<string, string>).authorization).toBeUndefined();
  });
});
