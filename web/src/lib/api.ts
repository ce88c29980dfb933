// Calls to Kinora's /api/v1 from pages. The session cookie authenticates them: the server accepts
// it on the API only with the X-Requested-With header below, which a cross-site form cannot send
// and a cross-site script cannot send with credentials (the API's CORS never allows credentials).

export class ApiError extends Error {
  constructor(public status: number, message: string, public body: unknown) {
    super(message);
  }
}

export const API_HEADERS = { 'X-Requested-With': 'kinora' };

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { ...API_HEADERS, Accept: 'application/json' };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch('/api/v1' + path, { method, headers, body: payload, credentials: 'same-origin' });
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) {
    const detail = (data && typeof data === 'object' && ('detail' in data || 'error' in data))
      ? String((data as Record<string, unknown>).detail ?? (data as Record<string, unknown>).error)
      : res.statusText;
    if (res.status === 401) sessionExpired();
    throw new ApiError(res.status, detail, data);
  }
  return data as T;
}

/// A page that believed it was signed in learns its session has ended: say so and offer to log in.
export function sessionExpired(): void {
  if (!document.body.dataset.signedIn) return;
  const next = encodeURIComponent(location.pathname + location.search);
  location.href = `/login?expired=1&next=${next}`;
}

/// Strings for scripts come from the page (`<script type="application/json" id="i18n">`), which
/// the server fills from the translation catalog.
let strings: Record<string, string> | null = null;
export function t(key: string, args: Record<string, string | number> = {}): string {
  if (!strings) {
    const el = document.getElementById('i18n');
    try { strings = el ? JSON.parse(el.textContent || '{}') : {}; } catch { strings = {}; }
  }
  let text = strings![key] ?? key;
  for (const [k, v] of Object.entries(args)) text = text.split(`{${k}}`).join(String(v));
  return text;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') node.textContent = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

export function announce(message: string): void {
  const live = document.getElementById('live-region');
  if (live) { live.textContent = ''; setTimeout(() => { live.textContent = message; }, 50); }
}
