// Workers (Flower's role, GET /workers): the schedulers with their heartbeats, the Redis
// executor's queues (attempts waiting for a worker and taken by one) and each `weir worker`
// with its queues, the attempts it runs (each a link to its task instance) and its heartbeat.
// With the local executor attempts run inside the scheduler: the page says so.
import { get } from '../api';
import { ErrorBox, Loading, Table } from '../components';
import { usePoll } from '../poll';
import { href } from '../router';
import { duration, fmtDuration, fmtTime } from '../time';

interface Worker {
  worker_id: string;
  hostname: string;
  pid: number;
  queues: string[];
  concurrency: number;
  running: string[]; // "dag/run/task#try"
  running_count: number;
  state: 'running' | 'stopping' | 'gone';
  alive: boolean;
  started_at: string;
  latest_heartbeat: string;
  uptime_seconds: number;
}

interface Scheduler {
  hostname: string;
  pid: number;
  started_at: string;
  latest_heartbeat: string;
  alive: boolean;
}

interface Cluster {
  executor: 'local' | 'redis';
  workers: Worker[];
  queues: { queue: string; waiting: number; running: number }[];
  schedulers: Scheduler[];
  error?: string;
}

// A worker's state in the colours of the task states: running green, stopping (after SIGTERM,
// finishing its attempts) gold, gone (no heartbeat within worker_claim_ttl) red.
const STATE_CLASS: Record<string, string> = { running: 's-running', stopping: 's-up_for_retry', gone: 's-failed', alive: 's-running' };

function Badge({ state }: { state: string }) {
  return <span class={`state ${STATE_CLASS[state] ?? 's-none'}`}>{state}</span>;
}

// "3.0 s ago": a heartbeat a little ahead of this browser's clock (another machine) is "just now".
function age(iso: string): string {
  const s = (Date.now() - new Date(iso).getTime()) / 1000;
  if (isNaN(s)) return '';
  return s < 1 ? 'just now' : fmtDuration(s) + ' ago';
}

// "dag/run/task#try" -> a link to that try of the task instance. Dag and task ids hold no
// '/'; a run id may, so the run is what lies between the first and the last '/'.
function Attempt({ a }: { a: string }) {
  const first = a.indexOf('/');
  const last = a.lastIndexOf('/');
  const hash = a.lastIndexOf('#');
  if (first < 0 || last <= first || hash < last) return <div class="mono small wrap-any">{a}</div>;
  const [dag, run, task, tryNumber] = [a.slice(0, first), a.slice(first + 1, last), a.slice(last + 1, hash), a.slice(hash + 1)];
  return (
    <div class="mono small wrap-any" data-testid="attempt">
      <a
        href={href(['dags', dag, 'runs', run, 'tasks', task], { try: tryNumber })}
        title={`${task} of ${dag}, run ${run}, try ${tryNumber}`}
      >
        {a}
      </a>
    </div>
  );
}

function Schedulers({ list }: { list: Scheduler[] }) {
  if (!list.length) return <p class="muted">No scheduler has sent a heartbeat to this database.</p>;
  return (
    <Table class="cards" data-testid="schedulers" head={['Host', 'PID', 'State', 'Last heartbeat', 'Started']}>
      {list.map((s) => (
        <tr data-host={s.hostname} data-pid={s.pid}>
          <td class="mono wrap-any" data-label="Host">
            {s.hostname}
          </td>
          <td class="mono" data-label="PID">
            {s.pid}
          </td>
          <td data-label="State" data-testid="state">
            <Badge state={s.alive ? 'alive' : 'gone'} />
          </td>
          <td class="small" title={fmtTime(s.latest_heartbeat)} data-label="Last heartbeat">
            {age(s.latest_heartbeat)}
          </td>
          <td class="small nowrap" data-label="Started">
            {fmtTime(s.started_at)}
          </td>
        </tr>
      ))}
    </Table>
  );
}

function Queues({ list }: { list: Cluster['queues'] }) {
  if (!list.length) return <p class="muted">No queue has had an attempt yet.</p>;
  return (
    <Table class="cards" data-testid="queues" head={['Queue', 'Waiting', 'Running']}>
      {list.map((q) => (
        <tr data-queue={q.queue}>
          <td class="mono" data-label="Queue">
            {q.queue}
          </td>
          <td data-label="Waiting" data-testid="waiting">
            {q.waiting}
          </td>
          <td data-label="Running" data-testid="running">
            {q.running}
          </td>
        </tr>
      ))}
    </Table>
  );
}

function Workers({ list }: { list: Worker[] }) {
  if (!list.length) {
    return (
      <p class="muted" data-testid="no-workers">
        No worker has sent a heartbeat: start one with <code>weir worker</code>, on any machine with the same <code>weir.yaml</code>.
      </p>
    );
  }
  return (
    <Table class="cards" data-testid="workers" head={['Worker', 'Host', 'State', 'Queues', 'Running', 'Last heartbeat', 'Uptime']}>
      {list.map((w) => (
        <tr data-worker={w.worker_id} data-state={w.state}>
          <td class="mono small wrap-any" data-label="Worker">
            {w.worker_id}
          </td>
          <td class="mono wrap-any" data-label="Host">
            {w.hostname} <span class="muted">pid {w.pid}</span>
          </td>
          <td data-label="State" data-testid="state">
            <Badge state={w.state} />
          </td>
          <td data-label="Queues" data-testid="queues">
            <div class="chips">
              {w.queues.map((q) => (
                <span class="chip mono">{q}</span>
              ))}
            </div>
          </td>
          <td data-label="Running" data-testid="running">
            <span title={`${w.running_count} of ${w.concurrency} slots in use`}>
              {w.running_count} / {w.concurrency}
            </span>
            {w.running.map((a) => (
              <Attempt a={a} />
            ))}
          </td>
          <td class="small" title={fmtTime(w.latest_heartbeat)} data-label="Last heartbeat">
            {age(w.latest_heartbeat)}
          </td>
          <td class="small nowrap" title={`started ${fmtTime(w.started_at)}`} data-label="Uptime">
            {w.state === 'gone' ? (
              <span class="muted">ran {duration(w.started_at, w.latest_heartbeat)}</span>
            ) : (
              fmtDuration(w.uptime_seconds)
            )}
          </td>
        </tr>
      ))}
    </Table>
  );
}

export function WorkersView() {
  const cluster = usePoll((s) => get<Cluster>('/workers', s), 3000, []);
  const c = cluster.data;
  return (
    <>
      <h1>Workers</h1>
      <ErrorBox error={cluster.error} />
      {!c ? (
        <Loading what="the workers" />
      ) : (
        <>
          <p class="small muted" data-testid="executor">
            Executor: <code>{c.executor}</code>.
            {c.executor === 'redis' && (
              <>
                {' '}
                The scheduler puts each attempt on its queue in Redis, and a worker that takes that queue runs it. A worker is gone once its
                heartbeat is older than <code>worker_claim_ttl</code>; its attempts then fail and are retried as their tasks'{' '}
                <code>retries</code> allow.
              </>
            )}
          </p>
          {c.executor === 'local' && (
            <p class="panel" data-testid="local-executor">
              Attempts run inside the scheduler (the local executor): there are no workers. To run them on <code>weir worker</code>{' '}
              processes on other machines, set <code>executor: redis</code> and <code>redis_url</code> in <code>weir.yaml</code>.
            </p>
          )}
          <ErrorBox error={c.error ? `Redis cannot be read: ${c.error}` : ''} />
          <h2>Schedulers</h2>
          <Schedulers list={c.schedulers} />
          {c.executor === 'redis' && (
            <>
              <h2>Queues</h2>
              <Queues list={c.queues} />
              <h2>Workers</h2>
              <Workers list={c.workers} />
            </>
          )}
        </>
      )}
    </>
  );
}
