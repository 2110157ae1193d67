// Every call the UI makes goes through the REST API (docs/api.md), with the session cookie
// and, for changes, the session's CSRF token.

import type { Me, TransferJob, TransferValidation } from './types';

const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
const unauthenticatedListeners = new Set<() => void>();

export function setSession(me: Me | null) {
  csrfToken = me ? me.csrf_token : '';
}

// Called when the API answers 401: the session ended, so the app shows the login form.
export function onUnauthenticated(f: () => void): () => void {
  unauthenticatedListeners.add(f);
  return () => unauthenticatedListeners.delete(f);
}

export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'weir does not answer: is the web server running?');
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, 'bad_response', `HTTP ${res.status} from ${path}: not JSON`);
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    if (res.status === 401 && path !== '/auth/login') unauthenticatedListeners.forEach((f) => f());
    throw new ApiError(res.status, err?.code ?? 'error', err?.message ?? `HTTP ${res.status} from ${path}`);
  }
  return data as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal);
export const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, body);
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body);
export const del = <T>(path: string) => request<T>('DELETE', path);

// Path segments are percent-encoded: run ids hold ':' and '+'.
export const seg = (s: string) => encodeURIComponent(s);

export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? '?' + s : '';
}

// The address of an API path for the browser to follow itself: a download link (the session
// cookie goes with it; a GET needs no CSRF token).
export const apiUrl = (path: string) => BASE + path;

// Transfer jobs (docs/api.md#transfer-jobs): a job's path, a run's report, and the form's
// check as the user types (the server is the only judge of what is valid).
export const transferPath = (name: string) => '/transfers/' + seg(name);
export const transferRunPath = (name: string, runId: string) => transferPath(name) + '/runs/' + seg(runId);

export function validateTransfer(job: TransferJob, create: boolean, signal?: AbortSignal): Promise<TransferValidation> {
  return request<TransferValidation>('POST', '/transfers/validate' + query({ create }), job, signal);
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
