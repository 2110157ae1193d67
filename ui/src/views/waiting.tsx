// What a queued run or a task instance that has not started waits for ("Waiting for: ..."),
// from the API's dependencies endpoints, polled while it waits.
import { get } from '../api';
import { usePoll } from '../poll';
import type { WaitExplanation } from '../types';

// `path`: the run's or the task instance's API path; `active`: whether it has not started, so
// there is something to explain (nothing is fetched otherwise).
export function WaitingFor({ path, active }: { path: string; active: boolean }) {
  const deps = usePoll((s) => (active ? get<WaitExplanation>(path + '/dependencies', s) : Promise.resolve(undefined)), active ? 3000 : 0, [
    path,
    active,
  ]);
  const w = deps.data;
  if (!active || !w || w.status === 'running' || w.status === 'finished') return null;
  if (w.status !== 'waiting') {
    return (
      <p class="waiting small" role="status" data-testid="waiting-for" data-status={w.status}>
        {w.summary}
      </p>
    );
  }
  return (
    <div class="waiting" role="status" data-testid="waiting-for" data-status={w.status}>
      <strong>Waiting for:</strong>
      <ul>
        {w.dependencies.map((d) => (
          <li data-code={d.code}>
            <span class="muted">{d.name}:</span> {d.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
