/**
 * Requests written byte for byte on a TCP socket, the way an attacker (or a rebound browser) sends
 * them: any Host header, including ones fetch() would rewrite or refuse, or none at all.
 */
import net from 'node:net';

export interface RawAnswer {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  text: string;
  /** Parsed JSON body, or undefined. */
  body: any;
}

export interface RawRequest {
  method?: string;
  path?: string;
  /** Sent in this order; `host: undefined` leaves the Host header out. */
  headers?: Record<string, string | undefined>;
  body?: string;
  /** HTTP/1.0 allows a request without Host; HTTP/1.1 requires one. */
  httpVersion?: '1.0' | '1.1';
}

/** Sends one request to `baseUrl`'s host and port and reads the whole answer (Connection: close). */
export function rawRequest(baseUrl: string, request: RawRequest = {}): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  const lines = [`${request.method ?? 'GET'} ${request.path ?? '/'} HTTP/${request.httpVersion ?? '1.1'}`];
  const headers: Record<string, string | undefined> = { host: url.host, ...request.headers, connection: 'close' };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) lines.push(`${name}: ${value}`);
  const payload = `${lines.join('\r\n')}\r\n\r\n${request.body ?? ''}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer from ${baseUrl} within 10 s`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
      const answerHeaders: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        answerHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let content: Buffer = raw.subarray(split + 4);
      if (answerHeaders['transfer-encoding'] === 'chunked') content = dechunk(content);
      const text = content.toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      resolve({ status, headers: answerHeaders, text, body });
    });
    socket.write(payload);
  });
}

function dechunk(content: Buffer): Buffer {
  const parts: Buffer[] = [];
  let rest = content;
  for (let guard = 0; guard < 100_000; guard++) {
    const lineEnd = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
  return Buffer.concat(parts);
}
