// The trigger form, generated from the DAG's typed params, with a box for the run's conf as
// JSON (keys that are not params, as Airflow's trigger page has); the API checks them again.
import { useState } from 'preact/hooks';
import { errorText, post, seg } from '../api';
import { ErrorBox, Field, notify } from '../components';
import { refresh } from '../poll';
import { href, navigate } from '../router';
import type { DagDetail, DagRun, Param } from '../types';

function initial(p: Param): string | boolean {
  if (p.type === 'boolean') return p.default === true;
  if (p.default === null || p.default === undefined) return '';
  if (p.type === 'array' || p.type === 'object') return JSON.stringify(p.default);
  return String(p.default);
}

// The form's text as the param's JSON type; throws with the param's name when it is not.
function typed(p: Param, v: string | boolean): unknown {
  if (p.type === 'boolean') return v === true;
  const text = String(v).trim();
  if (p.type === 'integer' || p.type === 'number') {
    const n = Number(text);
    if (text === '' || isNaN(n)) throw new Error(`${p.name} must be a number`);
    if (p.type === 'integer' && !Number.isInteger(n)) throw new Error(`${p.name} must be a whole number`);
    return n;
  }
  if (p.type === 'array' || p.type === 'object') {
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${p.name} must be JSON (${p.type === 'array' ? '[...]' : '{...}'})`);
    }
  }
  if (p.enum.length) return p.enum.find((e) => String(e) === text) ?? text;
  return text;
}

// The conf box's text as an object, or why it is not one ("" is no conf: {}).
function rawConf(text: string): { conf: Record<string, unknown>; error: string } {
  if (!text.trim()) return { conf: {}, error: '' };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { conf: {}, error: `Not valid JSON: ${(e as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return { conf: {}, error: 'The configuration must be a JSON object, like {"key": "value"}' };
  }
  return { conf: v as Record<string, unknown>, error: '' };
}

export function TriggerForm({ dag, onDone }: { dag: DagDetail; onDone: () => void }) {
  const params = dag.params ?? [];
  const [values, setValues] = useState<Record<string, string | boolean>>(() => Object.fromEntries(params.map((p) => [p.name, initial(p)])));
  const [logicalDate, setLogicalDate] = useState('');
  const [runId, setRunId] = useState('');
  const [confText, setConfText] = useState('');
  const raw = rawConf(confText);
  const overridden = params.filter((p) => p.name in raw.conf).map((p) => p.name);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k: string, v: string | boolean) => setValues((old) => ({ ...old, [k]: v }));

  return (
    <form
      class="form"
      data-testid="trigger-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (raw.error) return; // shown beside the box; the button is disabled too
        setError('');
        setBusy(true);
        try {
          const conf: Record<string, unknown> = {};
          for (const p of params) {
            const v = values[p.name];
            if (p.name in raw.conf) continue; // the JSON box gives it
            if (v === '' && p.type !== 'string') continue; // left empty: the default (or "required" from the API)
            conf[p.name] = typed(p, v);
          }
          // As on Airflow's trigger page, the JSON's keys join the form's and win over them.
          Object.assign(conf, raw.conf);
          const body: Record<string, unknown> = { conf };
          if (logicalDate.trim()) body.logical_date = logicalDate.trim();
          if (runId.trim()) body.dag_run_id = runId.trim();
          const run = await post<DagRun>(`/dags/${seg(dag.dag_id)}/dagRuns`, body);
          notify(`Triggered ${run.run_id}`);
          onDone();
          refresh();
          navigate(href(['dags', dag.dag_id, 'grid'], { run: run.run_id }));
        } catch (err) {
          setError(errorText(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      {params.length === 0 && <p class="muted">This DAG has no params.</p>}
      {params.map((p) => {
        const id = `param-${p.name}`;
        const v = values[p.name];
        let input;
        if (p.type === 'boolean') {
          input = (
            <input id={id} name={p.name} type="checkbox" checked={v === true} onChange={(e) => set(p.name, e.currentTarget.checked)} />
          );
        } else if (p.enum.length) {
          input = (
            <select id={id} name={p.name} value={String(v)} onChange={(e) => set(p.name, e.currentTarget.value)}>
              {p.enum.map((o) => (
                <option value={String(o)}>{String(o)}</option>
              ))}
            </select>
          );
        } else if (p.type === 'integer' || p.type === 'number') {
          input = (
            <input
              id={id}
              name={p.name}
              type="number"
              step={p.type === 'integer' ? 1 : 'any'}
              min={p.minimum}
              max={p.maximum}
              value={String(v)}
              onInput={(e) => set(p.name, e.currentTarget.value)}
            />
          );
        } else if (p.type === 'array' || p.type === 'object') {
          input = (
            <textarea id={id} name={p.name} rows={3} class="mono" value={String(v)} onInput={(e) => set(p.name, e.currentTarget.value)} />
          );
        } else {
          // The API checks pattern too; the browser only keeps the lengths (an HTML pattern is
          // anchored, a param's is not).
          input = (
            <input
              id={id}
              name={p.name}
              minLength={p.min_length}
              maxLength={p.max_length}
              value={String(v)}
              onInput={(e) => set(p.name, e.currentTarget.value)}
            />
          );
        }
        let range = p.minimum !== undefined || p.maximum !== undefined ? ` from ${p.minimum ?? '…'} to ${p.maximum ?? '…'}` : '';
        if (p.max_length !== undefined) range += `, up to ${p.max_length} characters`;
        if (p.pattern) range += `, matching ${p.pattern}`;
        return (
          <Field
            id={id}
            label={
              <>
                {p.name} <span class="muted small">{p.type + range}</span>
              </>
            }
            hint={p.description}
          >
            {input}
          </Field>
        );
      })}
      <details open={params.length === 0 || undefined}>
        <summary>Configuration JSON</summary>
        <Field
          id="conf-json"
          label={
            <>
              Conf <span class="muted small">a JSON object</span>
            </>
          }
          hint="Its keys join the params above in the run's conf (dag_run.conf); a key that is a param replaces the form's value."
        >
          <textarea
            id="conf-json"
            name="conf"
            rows={4}
            class="mono"
            placeholder='{"key": "value"}'
            spellcheck={false}
            value={confText}
            aria-invalid={raw.error ? 'true' : undefined}
            aria-describedby={raw.error ? 'conf-json-error' : overridden.length ? 'conf-json-note' : undefined}
            onInput={(e) => setConfText(e.currentTarget.value)}
          />
          {raw.error && (
            <p class="field-error" id="conf-json-error" data-testid="conf-error">
              {raw.error}
            </p>
          )}
          {!raw.error && overridden.length > 0 && (
            <p class="small muted" id="conf-json-note">
              Replaces the form's {overridden.join(', ')}.
            </p>
          )}
        </Field>
      </details>
      <details>
        <summary>Logical date and run id</summary>
        <Field
          id="logical-date"
          label={
            <>
              Logical date <span class="muted small">ISO 8601, e.g. 2021-03-01T00:00:00Z; empty: now</span>
            </>
          }
        >
          <input
            id="logical-date"
            value={logicalDate}
            placeholder="2021-03-01T00:00:00Z"
            onInput={(e) => setLogicalDate(e.currentTarget.value)}
          />
        </Field>
        <Field
          id="run-id"
          label={
            <>
              Run id <span class="muted small">empty: manual__&lt;logical date&gt;</span>
            </>
          }
        >
          <input id="run-id" value={runId} onInput={(e) => setRunId(e.currentTarget.value)} />
        </Field>
      </details>
      <ErrorBox error={error} />
      <div class="actions">
        <button class="primary" type="submit" disabled={busy || !!raw.error}>
          Trigger
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
