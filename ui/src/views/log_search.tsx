// Search within a log: every match highlighted, "n of m", previous and next (Enter goes to the
// next, Shift+Enter to the previous).
import type { ComponentChildren } from 'preact';

// Highlighting more than this many matches would slow a long log down; the count says "+".
const MAX_MATCHES = 10000;

export interface Matches {
  starts: number[];
  length: number;
  capped: boolean;
}

// Where `query` occurs in `text`, ignoring case; none for an empty query.
export function findMatches(text: string, query: string): Matches {
  const starts: number[] = [];
  if (!query) return { starts, length: 0, capped: false };
  // A regular expression keeps the positions those of `text` (lower-casing may change lengths).
  const re = new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
  for (let m = re.exec(text); m && starts.length < MAX_MATCHES; m = re.exec(text)) starts.push(m.index);
  return { starts, length: query.length, capped: starts.length === MAX_MATCHES };
}

// The text with each match in a <mark>; the current one is marked "current".
export function highlight(text: string, m: Matches, current: number): ComponentChildren {
  if (!m.starts.length) return text;
  const out: ComponentChildren[] = [];
  let at = 0;
  m.starts.forEach((start, i) => {
    out.push(text.slice(at, start));
    out.push(
      <mark class={i === current ? 'current' : undefined} data-match={i}>
        {text.slice(start, start + m.length)}
      </mark>,
    );
    at = start + m.length;
  });
  out.push(text.slice(at));
  return out;
}

export function LogSearch(props: {
  query: string;
  matches: Matches;
  current: number;
  onQuery: (q: string) => void;
  onMove: (step: 1 | -1) => void;
}) {
  const n = props.matches.starts.length;
  const count = !props.query ? '' : n === 0 ? 'no matches' : `${props.current + 1} of ${n}${props.matches.capped ? '+' : ''}`;
  return (
    <div class="log-search" role="search" aria-label="In this log">
      <input
        type="search"
        placeholder="Search the log"
        aria-label="Search the log"
        data-testid="log-search"
        value={props.query}
        onInput={(e) => props.onQuery(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key !== 'Enter') return;
          e.preventDefault();
          props.onMove(e.shiftKey ? -1 : 1);
        }}
      />
      <span class="small log-count" data-testid="log-search-count" aria-live="polite">
        {count}
      </span>
      <button
        type="button"
        aria-label="Previous match"
        title="Previous match (Shift+Enter)"
        disabled={n === 0}
        onClick={() => props.onMove(-1)}
      >
        ↑
      </button>
      <button type="button" aria-label="Next match" title="Next match (Enter)" disabled={n === 0} onClick={() => props.onMove(1)}>
        ↓
      </button>
    </div>
  );
}
