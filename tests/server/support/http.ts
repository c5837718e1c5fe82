/** Plain HTTP calls for server tests: what a curl user or a non-JS client sends and sees. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: any;
  text: string;
}

export interface HttpCallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with content-type application/json unless `headers` says otherwise. */
  raw?: string;
  token?: string;
  headers?: Record<string, string>;
}

/** One request; never throws for an HTTP error status. */
export async function call(baseUrl: string, method: string, path: string, options: HttpCallOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (options.raw !== undefined) body = options.raw;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  Object.assign(headers, options.headers);
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
