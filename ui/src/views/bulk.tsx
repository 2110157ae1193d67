// Bulk clear and mark on the Browse pages, asked first as every change is (change.tsx does it
// for one run or task instance): the dialog asks the API for a dry run of each part of the
// change (one per run: the API's clear and mark take one run at a time), lists every task
// instance they will change grouped by DAG, and changes nothing before Confirm.
import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../api';
import { Dialog, notify, StateBadge } from '../components';
import { ConfirmActions, KillsWarning, runningOf } from '../change';
import { refresh } from '../poll';
import type { TaskInstance, TaskInstanceList } from '../types';

// One call of the change: its dry run and the change itself.
export interface BulkPart {
  dagId: string;
  preview: () => Promise<TaskInstanceList>;
  apply: () => Promise<unknown>;
}

export function BulkButton(props: {
  label: string; // the button's text and the dialog's title
  result: string; // "cleared: they run again"
  parts: BulkPart[];
  done: string;
  onDone: () => void; // after the change: the selection is cleared
  kind?: 'danger' | '';
  testId?: string;
  // When set, Confirm is allowed with nothing listed (a run's mark also changes the run), and
  // this says so.
  alsoRuns?: string;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        class={props.kind || ''}
        disabled={!props.parts.length}
        data-testid={props.testId}
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        {props.label}
      </button>
      <Dialog title={props.label} open={open} onClose={() => setOpen(false)}>
        <BulkForm {...props} onClose={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

function BulkForm(props: Parameters<typeof BulkButton>[0] & { onClose: () => void }) {
  // The parts as the dialog opened: the page's live refresh must not change what is confirmed.
  const [parts] = useState(props.parts);
  const [list, setList] = useState<TaskInstance[] | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let current = true;
    Promise.all(parts.map((p) => p.preview())).then(
      (answers) => current && setList(answers.flatMap((a) => a.task_instances)),
      (e) => current && setError(errorText(e)),
    );
    return () => {
      current = false;
    };
  }, []);

  const confirm = async () => {
    setBusy(true);
    setError('');
    let made = 0;
    try {
      for (const p of parts) {
        await p.apply();
        made++;
      }
      notify(props.done);
      props.onDone();
      refresh();
      props.onClose();
    } catch (e) {
      // Earlier parts went through: say how far it got, so nobody assumes all or nothing.
      setError(`${made ? `${made} of ${parts.length} parts were changed, then: ` : ''}${errorText(e)}`);
      if (made) refresh();
    } finally {
      setBusy(false);
    }
  };

  const byDag = new Map<string, TaskInstance[]>();
  for (const ti of list ?? []) byDag.set(ti.dag_id, [...(byDag.get(ti.dag_id) ?? []), ti]);
  const killed = runningOf(list);
  return (
    <div class="change" data-testid="bulk-dialog">
      <div aria-live="polite" aria-busy={list === null && !error}>
        {error && (
          <div class="error" role="alert">
            {error}
          </div>
        )}
        {list === null && !error && <p class="muted">Finding the task instances this changes…</p>}
        {list !== null && (
          <p data-testid="change-summary">
            {list.length === 0
              ? (props.alsoRuns ?? 'Nothing to change: no task instance matches.')
              : `${list.length === 1 ? 'This task instance' : `These ${list.length} task instances`}${
                  byDag.size > 1 ? ` of ${byDag.size} DAGs` : ''
                } will be ${props.result}:`}
          </p>
        )}
        {[...byDag].map(([dag, tis]) => (
          <div class="bulk-group" data-dag={dag}>
            <h3 class="mono">{dag}</h3>
            <ul class="change-list" data-testid="change-list">
              {tis.map((ti) => (
                <li data-dag={ti.dag_id} data-task={ti.task_id} data-run={ti.run_id}>
                  <span class="mono">{ti.task_id}</span> <StateBadge state={ti.state} />{' '}
                  <span class="muted small mono wrap-any">{ti.run_id}</span>
                </li>
              ))}
            </ul>
          </div>
        ))}
        {list !== null && list.length > 0 && props.alsoRuns && <p class="small muted">{props.alsoRuns}</p>}
        <KillsWarning names={killed.map((ti) => `${ti.dag_id}.${ti.task_id}`)} />
      </div>
      <ConfirmActions
        danger={props.kind === 'danger'}
        disabled={busy || list === null || (!list.length && !props.alsoRuns)}
        onConfirm={confirm}
        onClose={props.onClose}
      />
    </div>
  );
}
