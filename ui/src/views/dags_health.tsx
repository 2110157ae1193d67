// The DAG list at a glance: the health line above the table (GET /dags's `health`: how many
// DAGs, failing, with import errors, paused, running) and, in each row, its runs and its
// newest run's task instances counted by state, as Airflow's Runs and Recent Tasks columns.
// Every count says its state in words; the colour only repeats it.
import type { DagsHealth } from '../types';

// The order counts are shown in: what needs a look first.
const RUN_ORDER = ['failed', 'running', 'queued', 'success'];
const TASK_ORDER = ['failed', 'upstream_failed', 'up_for_retry', 'running', 'queued', 'scheduled', 'none', 'skipped', 'removed', 'success'];

// "3 success", "1 failed": the non-zero states as small badges; `empty` when there are none.
export function StateCounts({
  counts,
  order,
  what,
  empty,
}: {
  counts?: Record<string, number | undefined>;
  order: string[];
  what: string;
  empty: string;
}) {
  const known = new Set(order);
  const states = [...order, ...Object.keys(counts ?? {}).filter((s) => !known.has(s))].filter((s) => (counts?.[s] ?? 0) > 0);
  if (!states.length) return <span class="muted small">{empty}</span>;
  return (
    <ul class="counts" aria-label={what}>
      {states.map((s) => (
        <li class={`state s-${s}`} data-state={s} data-count={counts![s]}>
          {counts![s]} {s.replace(/_/g, ' ')}
        </li>
      ))}
    </ul>
  );
}

export const RunCounts = ({ counts }: { counts?: Record<string, number | undefined> }) => (
  <StateCounts counts={counts} order={RUN_ORDER} what="Runs by state" empty="no runs" />
);

export const TaskCounts = ({ counts }: { counts?: Record<string, number | undefined> }) => (
  <StateCounts counts={counts} order={TASK_ORDER} what="Task instances of the newest run by state" empty="—" />
);

// "5 DAGs · 1 failing · 0 with import errors · 2 paused · 1 running", over the DAGs the
// filters match. `pausedHref` (the list with the Paused filter) makes the paused count a link;
// the page has no failing or import-error filter, so those are plain text.
export function HealthSummary({ health, pausedHref }: { health: DagsHealth; pausedHref?: string }) {
  const item = (key: keyof DagsHealth, label: string, bad: boolean, link?: string) => {
    const n = health[key];
    const text = (
      <>
        <strong>{n}</strong> {label}
      </>
    );
    return (
      <li data-health={key} data-count={n} class={bad && n > 0 ? 'bad' : ''}>
        {link && n > 0 ? <a href={link}>{text}</a> : text}
      </li>
    );
  };
  return (
    <ul class="health" aria-label="Health of the DAGs listed" data-testid="dags-health">
      {item('dags', health.dags === 1 ? 'DAG' : 'DAGs', false)}
      {item('failing', 'failing', true)}
      {item('import_errors', 'with import errors', true)}
      {item('paused', 'paused', false, pausedHref)}
      {item('running', 'running', false)}
    </ul>
  );
}
