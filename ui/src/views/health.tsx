// A banner when the scheduler has not sent a heartbeat lately (GET /health): runs do not
// start until one runs again; or when it runs but cannot write the metadata database (a full
// disk): running tasks go on, nothing new starts. Shown on every page, as Airflow does.
import { get } from '../api';
import { usePoll } from '../poll';
import { ago } from '../time';

interface Health {
  scheduler?: { status: string; latest_scheduler_heartbeat: string | null; error?: string };
}

export function SchedulerBanner() {
  const health = usePoll((s) => get<Health>('/health', s), 10000, []);
  const sched = health.data?.scheduler;
  if (!sched || sched.status === 'healthy') return null;
  if (sched.error) {
    return (
      <section class="banner" role="alert" data-testid="scheduler-store-error">
        <h2>The scheduler cannot write the metadata database</h2>
        <p class="small">
          {sched.error}. Running tasks go on and what they report is kept; nothing new starts until writes succeed again (free disk space
          under the database).
        </p>
      </section>
    );
  }
  return (
    <section class="banner" role="alert" data-testid="scheduler-down">
      <h2>The scheduler is not running</h2>
      <p class="small">
        {sched.latest_scheduler_heartbeat
          ? `Its last heartbeat was ${ago(sched.latest_scheduler_heartbeat)}.`
          : 'No scheduler has sent a heartbeat to this database.'}{' '}
        Runs are not created or started until one runs: <code>weir scheduler</code> (or <code>weir standalone</code>).
      </p>
    </section>
  );
}
