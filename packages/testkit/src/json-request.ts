/**
 * One JSON request to a server under test, the way the REST API tests talk to Quire: a JSON body, an optional
 * bearer token and extra headers, and the answer's status and headers with its parsed JSON body ({} when the
 * answer has none, e.g. a 204).
 */

/** What a JSON request came back with. */
export interface JsonAnswer<B> {
  status: number;
  body: B;
  headers: Headers;
}

/**
 * Send `method route` to `base` with `body` as JSON, `token` as bearer token and any `headers`; parse the
 * answer as JSON.
 */
export async function jsonRequest<B = Record<string, unknown>>(
  base: string,
  method: string,
  route: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer<B>> {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as B, headers: res.headers };
}
