/**
 * The web release station's client of the terminal REST API (`/api/v1/terminal`). Every failure becomes an
 * ApiError carrying the API's stable code (or NETWORK when the server cannot be reached) and its message, so
 * the page can say what happened in the user's language and still show the server's detail.
 */

const API = '/api/v1/terminal';

/** An error answer of the API, or a network failure (code NETWORK), with the server's own message. */
export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** Call the terminal API and resolve with its JSON body (null for 204); `token` is the session's, if any. */
export async function api(method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    response = await fetch(`${API}${path}`, { method, headers, body: payload, cache: 'no-store' });
  } catch (err) {
    throw new ApiError('NETWORK', err instanceof Error ? err.message : String(err));
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(error.code ?? `HTTP_${response.status}`, error.message ?? `HTTP ${response.status}`);
  }
  return data;
}

/** The API path of one job, with an optional sub-resource such as `/release`. */
export function jobPath(job, suffix = '') {
  return `/jobs/${encodeURIComponent(job.id)}${suffix}`;
}
