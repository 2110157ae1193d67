// Hash routes (#/dags/simple_dag/grid): the server serves one page, the UI picks the view.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  parts: string[]; // decoded path segments
  params: URLSearchParams;
}

function parse(): Route {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, q = ''] = hash.split('?', 2);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, params: new URLSearchParams(q) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => setRoute(parse());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

// Builds "#/dags/<id>/runs/<run>" from raw segments, percent-encoding each.
export function href(parts: (string | number)[], params?: Record<string, string | number | undefined>): string {
  let h = '#/' + parts.map((p) => encodeURIComponent(String(p))).join('/');
  if (params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
    const s = q.toString();
    if (s) h += '?' + s;
  }
  return h;
}

export function navigate(to: string) {
  location.hash = to.replace(/^#/, '');
}
