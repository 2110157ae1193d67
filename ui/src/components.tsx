// Small pieces every view uses: states, errors, toggles, dialogs, tabs.
import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './api';
import { refresh } from './poll';
import type { Me } from './types';

export const Session = createContext<Me | null>(null);

export function useMe(): Me {
  return useContext(Session)!;
}

// op and admin make changes; a viewer only reads (the API enforces it too).
export function useCanEdit(): boolean {
  const me = useContext(Session);
  return me?.role === 'admin' || me?.role === 'op';
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`state s-${state}`}>{state.replace(/_/g, ' ')}</span>;
}

export function StateDot({ state, title, href }: { state: string; title: string; href?: string }) {
  const label = `${title}: ${state.replace(/_/g, ' ')}`;
  if (href) return <a class={`dot s-${state}`} href={href} title={label} aria-label={label} />;
  return <span class={`dot s-${state}`} title={label} role="img" aria-label={label} />;
}

export function ErrorBox({ error }: { error: string }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      {error}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

// A switch that pauses and unpauses; disabled for viewers.
export function Toggle(props: { on: boolean; label: string; disabled?: boolean; onChange: (on: boolean) => Promise<unknown> }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      role="switch"
      class={'toggle' + (props.on ? ' on' : '')}
      aria-checked={props.on}
      aria-label={props.label}
      title={props.label}
      disabled={props.disabled || busy}
      onClick={async () => {
        setBusy(true);
        try {
          await props.onChange(!props.on);
        } catch (e) {
          notify(errorText(e), true);
        } finally {
          setBusy(false);
        }
      }}
    >
      <span class="knob" />
    </button>
  );
}

// A button that runs a change, shows it is busy, reports the result and refreshes the views.
export function ActionButton(props: {
  label: string;
  run: () => Promise<unknown>;
  done?: string;
  confirm?: string;
  kind?: 'primary' | 'danger' | '';
  disabled?: boolean;
  testId?: string;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      class={props.kind || ''}
      disabled={busy || props.disabled}
      data-testid={props.testId}
      onClick={async () => {
        if (props.confirm && !window.confirm(props.confirm)) return;
        setBusy(true);
        try {
          await props.run();
          if (props.done) notify(props.done);
          refresh();
        } catch (e) {
          notify(errorText(e), true);
        } finally {
          setBusy(false);
        }
      }}
    >
      {props.label}
    </button>
  );
}

// A modal dialog (the browser's <dialog>: Escape closes it, focus stays inside). Focus moves
// into it (to the element with autoFocus, else the first control) and back to what had it
// when it closes.
export function Dialog(props: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) {
      opener.current = document.activeElement as HTMLElement | null;
      d.showModal();
      d.querySelector<HTMLElement>('[autofocus]')?.focus();
    }
    if (!props.open && d.open) d.close();
    if (!props.open && opener.current) {
      if (opener.current.isConnected) opener.current.focus();
      opener.current = null;
    }
  }, [props.open]);
  return (
    <dialog ref={ref} onClose={props.onClose} role="dialog" aria-modal="true" aria-label={props.title}>
      <header class="dialog-head">
        <h2>{props.title}</h2>
        <button type="button" class="ghost" aria-label="Close" onClick={props.onClose}>
          ✕
        </button>
      </header>
      {props.open && props.children}
    </dialog>
  );
}

export function Tabs({ tabs, current }: { tabs: { id: string; label: string; href: string }[]; current: string }) {
  return (
    <nav class="tabs" aria-label="Views">
      {tabs.map((t) => (
        <a href={t.href} class={t.id === current ? 'active' : ''} aria-current={t.id === current ? 'page' : undefined}>
          {t.label}
        </a>
      ))}
    </nav>
  );
}

// JSON, indented; long values wrap rather than make the box (or a phone's page) scroll.
export function Json({ value }: { value: unknown }) {
  return <pre class="code json">{JSON.stringify(value, null, 2)}</pre>;
}

// Notices at the bottom of the screen, read out by screen readers.
type Notice = { id: number; text: string; error: boolean };
const noticeListeners = new Set<(n: Notice) => void>();
let noticeId = 0;

export function notify(text: string, error = false) {
  const n = { id: ++noticeId, text, error };
  noticeListeners.forEach((f) => f(n));
}

export function Notices() {
  const [items, setItems] = useState<Notice[]>([]);
  useEffect(() => {
    const on = (n: Notice) => {
      setItems((xs) => [...xs, n]);
      window.setTimeout(() => setItems((xs) => xs.filter((x) => x.id !== n.id)), n.error ? 8000 : 4000);
    };
    noticeListeners.add(on);
    return () => noticeListeners.delete(on);
  }, []);
  return (
    <div class="notices" role="status" aria-live="polite">
      {items.map((n) => (
        <div class={'notice' + (n.error ? ' bad' : '')} key={n.id}>
          {n.text}
        </div>
      ))}
    </div>
  );
}

// A table that scrolls sideways on a narrow screen, with a header row of column names;
// `sorted` gives a column's aria-sort when the table is sorted by it.
export function Table(props: {
  head: ComponentChildren[];
  sorted?: ('ascending' | 'descending' | undefined)[];
  class?: string;
  'data-testid'?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="scroll">
      <table class={props.class} data-testid={props['data-testid']}>
        <thead>
          <tr>
            {props.head.map((h, i) => (
              <th scope="col" aria-sort={props.sorted?.[i]}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

// One labelled field of a form.
export function Field(props: { id: string; label: ComponentChildren; hint?: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && <div class="small muted">{props.hint}</div>}
    </div>
  );
}
