/**
 * Which `Host` header values the server answers: the defence against DNS rebinding, where a page on
 * `evil.example` re-points its own name at 127.0.0.1 and then reads and writes as if same-origin.
 * Such a page's requests still say `Host: evil.example`, so answering only the names the server is
 * known by refuses them.
 *
 * Patterns (config `server.allowedHosts`, `--allowed-hosts`, `AIMDB_SERVER_ALLOWED_HOSTS`):
 * `*` (any host: the check is off), `name`, `name:port`, `192.168.1.20`, `[::1]`, and `*` labels:
 * a leading `*.` matches one or more labels (`*.example.com` is every name under example.com, not
 * example.com itself), any other `*` label exactly one (`10.0.*.*`). Without a port a pattern
 * matches every port. Matching is case-insensitive, and a name's one trailing dot (`localhost.`,
 * the same DNS name) is ignored.
 */
import { networkInterfaces } from 'node:os';
import { ValidationError } from '../core/errors.js';

/** Always allowed: loopback names an attacker's page cannot bring a browser to send for its own site. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

/** A Host header value taken apart, lower-cased, an IPv6 address in its canonical bracketed form. */
export interface ParsedHost {
  hostname: string;
  port: number | undefined;
}

const NAME = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;
const IPV6_TEXT = /^[0-9a-f:.]+$/;
const PORT = /^[0-9]{1,5}$/;

function canonicalIpv6(bracketed: string): string | undefined {
  const inner = bracketed.slice(1, -1);
  if (!IPV6_TEXT.test(inner)) return undefined;
  try {
    // The WHATWG URL parser gives the same canonical form a browser puts in its Host header.
    return new URL(`http://${bracketed}/`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Parses a Host header (or the host of an Origin). Undefined when it is not a plain host name,
 * IPv4 or bracketed IPv6 address with an optional port: user-info, paths, zone ids, spaces and
 * anything a browser would never send make the request refused rather than guessed at.
 */
export function parseHost(value: string | undefined): ParsedHost | undefined {
  if (value === undefined) return undefined;
  const text = value.trim().toLowerCase();
  let hostPart: string;
  let portPart: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return undefined;
    hostPart = text.slice(0, end + 1);
    const rest = text.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    portPart = rest === '' ? undefined : rest.slice(1);
  } else {
    const parts = text.split(':');
    if (parts.length > 2) return undefined;
    hostPart = parts[0]!;
    portPart = parts[1];
  }
  let port: number | undefined;
  if (portPart !== undefined) {
    if (!PORT.test(portPart) || Number(portPart) > 65_535) return undefined;
    port = Number(portPart);
  }
  if (hostPart.startsWith('[')) {
    const hostname = canonicalIpv6(hostPart);
    return hostname === undefined ? undefined : { hostname, port };
  }
  const hostname = hostPart.endsWith('.') ? hostPart.slice(0, -1) : hostPart;
  return NAME.test(hostname) ? { hostname, port } : undefined;
}

/** Stands in for a `*` label while a pattern goes through the host syntax check. */
const WILDCARD_LABEL = '_wildcard_';

/** One compiled `allowedHosts` entry. */
interface HostPattern {
  /** Labels, `*` for a wildcard one; empty for the pattern `*`. */
  labels: string[];
  /** The leading `*.` matches one or more labels. */
  anySubdomain: boolean;
  /** Bracketed IPv6 literal, compared whole. */
  ipv6?: string;
  port: number | undefined;
  any: boolean;
}

/**
 * Compiles one pattern; throws a ValidationError naming `field` when it is not one. Exported for
 * the configuration check, so a bad pattern stops `aimdb serve` before it listens.
 */
export function compileHostPattern(pattern: string, field: string): HostPattern {
  const text = pattern.trim().toLowerCase();
  if (text === '*') return { labels: [], anySubdomain: false, port: undefined, any: true };
  const problem = () =>
    new ValidationError(
      `${field}: '${pattern}' is not a host pattern; use a name or address with an optional port ` +
        `(aimdb.example.com, 10.0.0.5:8765, [::1]), '*.example.com' for every name under a domain, or '*' for any host`,
      { field },
    );
  // Wildcard labels are swapped for a plain one so the host syntax check applies to the rest.
  const parsed = parseHost(text.replace(/(^|\.)\*(?=\.|:|$)/g, `$1${WILDCARD_LABEL}`));
  if (parsed === undefined) throw problem();
  if (parsed.hostname.startsWith('[')) {
    return { labels: [], anySubdomain: false, ipv6: parsed.hostname, port: parsed.port, any: false };
  }
  const labels = parsed.hostname.split('.').map((label) => (label === WILDCARD_LABEL ? '*' : label));
  const anySubdomain = labels[0] === '*';
  if (anySubdomain && labels.length < 2) throw problem();
  return { labels: anySubdomain ? labels.slice(1) : labels, anySubdomain, port: parsed.port, any: false };
}

function matches(pattern: HostPattern, host: ParsedHost): boolean {
  if (pattern.any) return true;
  if (pattern.port !== undefined && pattern.port !== host.port) return false;
  if (pattern.ipv6 !== undefined) return host.hostname === pattern.ipv6;
  if (host.hostname.startsWith('[')) return false;
  const labels = host.hostname.split('.');
  if (pattern.anySubdomain ? labels.length <= pattern.labels.length : labels.length !== pattern.labels.length) return false;
  const tail = labels.slice(labels.length - pattern.labels.length);
  return pattern.labels.every((label, index) => label === '*' || label === tail[index]);
}

/**
 * The hosts allowed without configuration: the loopback names, plus the address or name the server
 * binds to; bound to every interface (`0.0.0.0`, `::`), every address of this machine's interfaces,
 * so colleagues can reach it by IP address.
 */
export function defaultAllowedHosts(bindHost: string): string[] {
  const hosts = new Set<string>(LOOPBACK_HOSTS);
  if (bindHost === '0.0.0.0' || bindHost === '::' || bindHost === '[::]') {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) {
        if (address.family === 'IPv4') hosts.add(address.address);
        else if (!address.address.includes('%')) hosts.add(canonicalIpv6(`[${address.address}]`) ?? `[${address.address}]`);
      }
    }
  } else {
    const bound = parseHost(bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost);
    if (bound !== undefined) hosts.add(bound.hostname);
  }
  return [...hosts];
}

/** Decides for one Host header value whether the server answers it. */
export type HostCheck = (hostHeader: string | undefined) => boolean;

/** The check for a server bound to `bindHost`, allowing its defaults plus `allowedHosts`. */
export function createHostCheck(bindHost: string, allowedHosts: readonly string[]): HostCheck {
  const patterns = [
    ...defaultAllowedHosts(bindHost).map((host) => compileHostPattern(host, 'server.host')),
    ...allowedHosts.map((pattern, index) => compileHostPattern(pattern, `server.allowedHosts.${index}`)),
  ];
  if (patterns.some((pattern) => pattern.any)) return () => true;
  return (hostHeader) => {
    const host = parseHost(hostHeader);
    return host !== undefined && patterns.some((pattern) => matches(pattern, host));
  };
}
