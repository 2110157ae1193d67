// A try's log, followed live: each request asks from where the last one ended and waits (up
// to 10 s) at the end of a running try's log for more, until the try has finished. A search
// box highlights what it finds and steps through it.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { errorText, get, seg } from '../api';
import { ActionButton, ErrorBox } from '../components';
import type { LogChunk } from '../types';
import { findMatches, highlight, LogSearch } from './log_search';

const KEEP = 4 << 20; // characters kept on screen; older ones are dropped (the API has them all)

function logPath(dagId: string, runId: string, taskId: string, tryNumber: number): string {
  return `/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}/logs/${tryNumber}`;
}

// The whole log as written so far, read a piece (up to 1 MiB) at a time, saved as a file.
async function downloadLog(dagId: string, runId: string, taskId: string, tryNumber: number) {
  const parts: string[] = [];
  for (let offset = 0; ;) {
    const chunk = await get<LogChunk>(`${logPath(dagId, runId, taskId, tryNumber)}?offset=${offset}`);
    parts.push(chunk.content);
    if (!chunk.content || chunk.next_offset >= chunk.size) break;
    offset = chunk.next_offset;
  }
  const url = URL.createObjectURL(new Blob(parts, { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${dagId}__${runId}__${taskId}__try-${tryNumber}.log`.replace(/[^\w.+=-]+/g, '_');
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function LogView({ dagId, runId, taskId, tryNumber }: { dagId: string; runId: string; taskId: string; tryNumber: number }) {
  const [text, setText] = useState('');
  const [dropped, setDropped] = useState(false);
  const [finished, setFinished] = useState(false);
  const [error, setError] = useState('');
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(0);
  const pre = useRef<HTMLPreElement>(null);
  const matches = useMemo(() => findMatches(text, query), [text, query]);
  const shown = Math.max(0, Math.min(current, matches.starts.length - 1));

  useEffect(() => {
    setText('');
    setDropped(false);
    setFinished(false);
    setError('');
    const ctl = new AbortController();
    const path = logPath(dagId, runId, taskId, tryNumber);
    (async () => {
      let offset = 0;
      let failures = 0;
      while (!ctl.signal.aborted) {
        try {
          const chunk = await get<LogChunk>(`${path}?offset=${offset}&wait=10`, ctl.signal);
          failures = 0;
          if (chunk.content) {
            setText((old) => {
              const next = old + chunk.content;
              if (next.length <= KEEP) return next;
              setDropped(true);
              return next.slice(next.length - KEEP);
            });
          }
          offset = chunk.next_offset;
          setError('');
          if (chunk.finished) {
            setFinished(true);
            return;
          }
        } catch (e) {
          if (ctl.signal.aborted) return;
          setError(errorText(e));
          failures++;
          await new Promise((r) => setTimeout(r, Math.min(10000, 1000 * failures)));
        }
      }
    })();
    return () => ctl.abort();
  }, [dagId, runId, taskId, tryNumber]);

  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text, follow]);

  // The current match in the middle of the log's box; only the box scrolls, not the page.
  useEffect(() => {
    const box = pre.current;
    const mark = box?.querySelector<HTMLElement>('mark.current');
    if (box && mark) box.scrollTop = mark.offsetTop - box.clientHeight / 2;
  }, [query, shown]);

  const search = (q: string) => {
    setQuery(q);
    setCurrent(0);
    if (q) setFollow(false); // following the end would scroll away from the matches
  };
  const move = (step: 1 | -1) => {
    const n = matches.starts.length;
    if (!n) return;
    setFollow(false);
    setCurrent((shown + step + n) % n);
  };

  return (
    <section aria-label={`Log of try ${tryNumber}`}>
      <div class="toolbar small">
        <span data-testid="log-status" class={finished ? 'muted' : 'live'}>
          {finished ? 'complete' : 'live: following the log as it is written'}
        </span>
        <ActionButton label="Download" testId="download-log" run={() => downloadLog(dagId, runId, taskId, tryNumber)} />
        <label class="inline">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> Scroll to the end
        </label>
        <LogSearch query={query} matches={matches} current={shown} onQuery={search} onMove={move} />
      </div>
      <ErrorBox error={error} />
      {dropped && <p class="small muted">The start of this log is not shown (it is long); the REST API serves all of it.</p>}
      <pre
        ref={pre}
        class="log"
        data-testid="log"
        tabIndex={0}
        aria-live="off"
        onScroll={(e) => {
          const el = e.currentTarget;
          const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          if (atEnd !== follow) setFollow(atEnd);
        }}
      >
        {text ? highlight(text, matches, shown) : finished ? '(empty log)' : ''}
      </pre>
    </section>
  );
}
