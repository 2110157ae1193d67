// How long a live view waits before asking again: its interval, but at least five times as
// long as the last answer took, so that a server answering slowly (a huge DAG, a busy
// machine) is asked less often rather than kept busy; at most a minute; five times longer
// while the page is hidden.
export function nextPollDelay(intervalMs: number, lastAnswerMs: number, hidden: boolean): number {
  const delay = Math.max(intervalMs, Math.min(60000, lastAnswerMs * 5));
  return hidden ? delay * 5 : delay;
}
