// Live views: each view polls the API while the page is visible, and every view reloads at
// once after a change the user made (refresh()).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './api';
import { nextPollDelay } from './poll_delay';

const listeners = new Set<() => void>();

// After a change (trigger, clear, pause...), every live view reloads now.
export function refresh() {
  listeners.forEach((f) => f());
}

export interface Polled<T> {
  data: T | undefined;
  error: string;
  reload: () => void;
}

// keep: when deps change, show the previous answer until the new one arrives (a filter that
// narrows a list must not blank it, or the element holding keyboard focus disappears).
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number, deps: unknown[], keep = false): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');
  const loadRef = useRef(load);
  loadRef.current = load;
  const tick = useRef<() => void>(() => {});

  useEffect(() => {
    if (!keep) setData(undefined);
    setError('');
    let stopped = false;
    let inFlight: AbortController | null = null;
    let timer = 0;
    const run = async () => {
      window.clearTimeout(timer);
      if (stopped) return;
      if (inFlight) inFlight.abort();
      const ctl = new AbortController();
      inFlight = ctl;
      const started = performance.now();
      try {
        const d = await loadRef.current(ctl.signal);
        if (!stopped && inFlight === ctl) {
          setData(d);
          setError('');
        }
      } catch (e) {
        if (ctl.signal.aborted) return;
        if (!stopped) setError(errorText(e));
      } finally {
        if (inFlight === ctl) inFlight = null;
      }
      if (!stopped && intervalMs > 0) {
        timer = window.setTimeout(run, nextPollDelay(intervalMs, performance.now() - started, document.hidden));
      }
    };
    tick.current = run;
    const onVisible = () => {
      if (!document.hidden) run();
    };
    listeners.add(run);
    document.addEventListener('visibilitychange', onVisible);
    run();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      inFlight?.abort();
      listeners.delete(run);
      document.removeEventListener('visibilitychange', onVisible);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  const reload = useCallback(() => tick.current(), []);
  return { data, error, reload };
}
