/**
 * One JSON request to a server under test, the way the REST API tests talk to Quire: a JSON body, an optional
 * bearer token, and the answer's status with its parsed JSON body ({} when the answer has none, e.g. a 204).
 */

/** What a JSON request came back with. */
export interface JsonAnswer<B> {
  status: number;
  body: B;
}

/** Send `method route` to `base` with `body` as JSON and `token` as bearer token; parse the answer as JSON. */
export async function jsonRequest<B = Record<string, unknown>>(
  base: string,
  method: string,
  route: string,
  token?: string,
  body?: unknown,
): Promise<JsonAnswer<B>> {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as B };
}
