// Clear and mark, asked before they happen (Airflow's dialogs): a button opens a dialog with
// the options that widen the change (upstream, downstream, past, future), the list of task
// instances it will change (the API's dry run, asked again whenever an option changes), a
// warning when a running try will be killed, and Confirm / Cancel. Nothing changes before
// Confirm.
import { useEffect, useState } from 'preact/hooks';
import { errorText } from './api';
import { Dialog, notify, StateBadge } from './components';
import { refresh } from './poll';
import { fmtTime } from './time';
import type { TaskInstance, TaskInstanceList } from './types';

export type Scope = { upstream: boolean; downstream: boolean; past: boolean; future: boolean };
export type ScopeOption = keyof Scope;

const optionLabels: Record<ScopeOption, { label: string; hint: string }> = {
  upstream: { label: 'Upstream', hint: 'the tasks it depends on' },
  downstream: { label: 'Downstream', hint: 'the tasks that depend on it' },
  past: { label: 'Past', hint: 'the same tasks in earlier runs' },
  future: { label: 'Future', hint: 'the same tasks in later runs' },
};

// The API's names for a scope.
export function scopeBody(s: Scope) {
  return { include_upstream: s.upstream, include_downstream: s.downstream, include_past: s.past, include_future: s.future };
}

// The task instances a change would kill: their tries run (or are about to) now.
export function runningOf(list: TaskInstance[] | null): TaskInstance[] {
  return (list ?? []).filter((ti) => ti.state === 'running' || ti.state === 'queued');
}

// The warning a change dialog shows when confirming stops running tries.
export function KillsWarning(props: { names: string[] }) {
  const n = props.names.length;
  if (n === 0) return null;
  return (
    <p class="warn-box" role="alert" data-testid="change-kills">
      <strong>{n === 1 ? 'Kills a running try:' : 'Kills running tries:'}</strong> {props.names.join(', ')} {n === 1 ? 'is' : 'are'} running
      or queued now; confirming stops {n === 1 ? 'it' : 'them'} at once.
    </p>
  );
}

// Confirm and Cancel at the foot of a change dialog; Cancel has the focus.
export function ConfirmActions(props: { danger: boolean; disabled: boolean; onConfirm: () => void; onClose: () => void }) {
  return (
    <div class="dialog-actions">
      <button type="button" class={props.danger ? 'danger' : 'primary'} disabled={props.disabled} onClick={props.onConfirm}>
        Confirm
      </button>
      <button type="button" autoFocus onClick={props.onClose}>
        Cancel
      </button>
    </div>
  );
}

// "marked success by ada at 2021-03-02 10:00 (was failed)", for a state set by hand.
export function markText(ti: { state: string; marked?: TaskInstance['marked'] }, tz: string): string {
  const m = ti.marked;
  if (!m) return '';
  return `marked ${ti.state.replace(/_/g, ' ')} by ${m.by || 'someone'} at ${fmtTime(m.at, tz)} (was ${m.from_state.replace(/_/g, ' ')})`;
}

export function ChangeButton(props: {
  label: string; // the button's text and the dialog's title
  result: string; // what happens to each listed task instance: "cleared: they run again"
  options: ScopeOption[];
  defaults?: Partial<Scope>;
  preview: (scope: Scope) => Promise<TaskInstanceList>;
  apply: (scope: Scope) => Promise<unknown>;
  done: string;
  tz: string;
  kind?: 'danger' | '';
  disabled?: boolean;
  testId?: string;
  // When set, Confirm is allowed with an empty list (a run's mark changes the run itself), and
  // this says what it does.
  whenNone?: string;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        class={props.kind || ''}
        disabled={props.disabled}
        data-testid={props.testId}
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        {props.label}
      </button>
      <Dialog title={props.label} open={open} onClose={() => setOpen(false)}>
        <ChangeForm {...props} onClose={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

function ChangeForm(props: Parameters<typeof ChangeButton>[0] & { onClose: () => void }) {
  const [scope, setScope] = useState<Scope>({ upstream: false, downstream: false, past: false, future: false, ...props.defaults });
  const [list, setList] = useState<TaskInstance[] | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const key = JSON.stringify(scope);
  useEffect(() => {
    let current = true;
    setList(null);
    setError('');
    props.preview(scope).then(
      (r) => current && setList(r.task_instances),
      (e) => current && setError(errorText(e)),
    );
    return () => {
      current = false;
    };
  }, [key]);

  const killed = runningOf(list);
  const confirm = async () => {
    setBusy(true);
    try {
      await props.apply(scope);
      notify(props.done);
      refresh();
      props.onClose();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="change" data-testid="change-dialog">
      {props.options.length > 0 && (
        <fieldset class="scope">
          <legend>Also include</legend>
          {props.options.map((o) => (
            <label class="inline">
              <input type="checkbox" name={o} checked={scope[o]} onChange={(e) => setScope({ ...scope, [o]: e.currentTarget.checked })} />{' '}
              {optionLabels[o].label} <span class="muted small">({optionLabels[o].hint})</span>
            </label>
          ))}
        </fieldset>
      )}
      <div aria-live="polite" aria-busy={list === null && !error}>
        {error && (
          <div class="error" role="alert">
            {error}
          </div>
        )}
        {list === null && !error && <p class="muted">Finding the task instances this changes…</p>}
        {list !== null && list.length === 0 && (
          <p data-testid="change-summary">{props.whenNone ?? 'Nothing to change: no task instance matches.'}</p>
        )}
        {list !== null && list.length > 0 && (
          <>
            <p data-testid="change-summary">
              {list.length === 1 ? 'This task instance will be' : `These ${list.length} task instances will be`} {props.result}:
            </p>
            <ul class="change-list" data-testid="change-list">
              {list.map((ti) => (
                <li data-task={ti.task_id} data-run={ti.run_id}>
                  <span class="mono">{ti.task_id}</span> <StateBadge state={ti.state} /> <span class="muted small mono">{ti.run_id}</span>
                  {ti.marked && <span class="muted small"> · {markText(ti, props.tz)}</span>}
                </li>
              ))}
            </ul>
          </>
        )}
        <KillsWarning names={killed.map((ti) => ti.task_id)} />
      </div>
      <ConfirmActions
        danger={props.kind === 'danger'}
        disabled={busy || list === null || (!list.length && !props.whenNone)}
        onConfirm={confirm}
        onClose={props.onClose}
      />
    </div>
  );
}
