// What the grid's colours, patterns and letters mean: every task state, the run types, and
// the corner mark of a state a person set.
import type { TaskState } from '../types';

// In the order a user reads a run: done, in progress, not started.
const STATES: TaskState[] = [
  'success',
  'failed',
  'upstream_failed',
  'up_for_retry',
  'skipped',
  'running',
  'queued',
  'scheduled',
  'removed',
  'none',
];

// A run's type as a letter on its column; scheduled runs, the usual kind, carry none (as in
// Airflow, which marks only the runs that did not come from the schedule).
export const RUN_TYPES: Record<string, { letter: string; name: string }> = {
  scheduled: { letter: '', name: 'scheduled run' },
  manual: { letter: 'M', name: 'manual run (triggered)' },
  backfill: { letter: 'B', name: 'backfill run' },
  test: { letter: 'T', name: 'test run (weir dags test)' },
};

export function runTypeOf(runType: string): { letter: string; name: string } {
  return RUN_TYPES[runType] ?? { letter: '?', name: `${runType} run` };
}

export function RunTypeMark({ runType }: { runType: string }) {
  const t = runTypeOf(runType);
  if (!t.letter) return <span class="run-type" aria-hidden="true" />;
  return (
    <span class="run-type" data-run-type={runType} role="img" aria-label={t.name} title={t.name}>
      {t.letter}
    </span>
  );
}

export function GridLegend({ anyMarked }: { anyMarked: boolean }) {
  return (
    <div class="grid-legends small">
      <ul class="legend" aria-label="Task states" data-testid="state-legend">
        {STATES.map((s) => (
          <li data-state={s}>
            <span class={`cell s-${s}`} aria-hidden="true" />
            {s.replace(/_/g, ' ')}
          </li>
        ))}
      </ul>
      <ul class="legend" aria-label="Run types" data-testid="run-type-legend">
        {Object.entries(RUN_TYPES).map(([type, t]) => (
          <li data-run-type={type}>
            <span class="run-type" aria-hidden="true">
              {t.letter}
            </span>
            {t.letter ? t.name : `no letter: ${t.name}`}
          </li>
        ))}
      </ul>
      {anyMarked && (
        <p class="muted grid-legend" data-testid="grid-legend">
          <span class="cell s-success marked" aria-hidden="true" /> a corner mark: a person set this state (Mark success or failed); it did
          not come from a run
        </p>
      )}
    </div>
  );
}
