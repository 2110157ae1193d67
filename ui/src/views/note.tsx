// People's notes on a run or a task instance (Airflow's notes): why it was cleared, a ticket,
// a warning for the next on call. Ops write them (at most 1000 bytes; saving an empty note
// removes it), everyone reads them, and each change is in the audit log.
import { useEffect, useState } from 'preact/hooks';
import { errorText, get, patch } from '../api';
import { ErrorBox, notify, useCanEdit } from '../components';
import { refresh, usePoll } from '../poll';
import { fmtTime } from '../time';
import type { Noted } from '../types';

const MAX_BYTES = 1000; // the API's limit, in UTF-8 bytes (an emoji is 4)
const encoder = new TextEncoder();
const bytes = (s: string) => encoder.encode(s).length;

function Written({ n, tz }: { n: Noted; tz: string }) {
  if (!n.note || !n.note_updated_by) return null;
  return (
    <p class="small muted note-meta" data-testid="note-meta">
      Written by {n.note_updated_by} at {fmtTime(n.note_updated_at, tz)}
    </p>
  );
}

// The note of the run or task instance at `path` (its API path), which this asks for itself:
// the grid's runs do not carry notes. An editor for ops, the text alone for viewers.
export function NoteEditor({ path, tz, what }: { path: string; tz: string; what: 'run' | 'task' }) {
  const canEdit = useCanEdit();
  const noted = usePoll((s) => get<Noted>(path, s), 5000, [path], true);
  // What the user typed and has not saved; null while they have not typed (the saved note shows).
  const [draft, setDraft] = useState<string | null>(null);
  // The answer to a save until the next poll brings it: the box must not show the old note
  // in between.
  const [justSaved, setJustSaved] = useState<Noted | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => setJustSaved(null), [noted.data]);
  const n = justSaved ?? noted.data;
  if (!n) return null;
  const saved = n.note ?? '';
  if (!canEdit) {
    if (!saved) return null;
    return (
      <section class="note" aria-labelledby={`note-${what}-h`} data-testid="note">
        <h3 id={`note-${what}-h`}>Note</h3>
        <p class="note-text" data-testid="note-text">
          {saved}
        </p>
        <Written n={n} tz={tz} />
      </section>
    );
  }
  const text = draft ?? saved;
  const size = bytes(text);
  const over = size > MAX_BYTES;
  const save = async () => {
    setBusy(true);
    setError('');
    try {
      setJustSaved(await patch<Noted>(path + '/setNote', { note: text }));
      setDraft(null);
      notify(text ? 'Note saved' : 'Note removed');
      refresh();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const id = `note-${what}`;
  return (
    <section class="note" data-testid="note">
      <label for={id} class="note-label">
        Note
      </label>
      <Written n={n} tz={tz} />
      <textarea
        id={id}
        data-testid="note-input"
        rows={3}
        value={text}
        placeholder={`A note on this ${what === 'run' ? 'run' : 'task instance'}, for everyone who opens it`}
        aria-describedby={`${id}-count`}
        aria-invalid={over}
        onInput={(e) => setDraft(e.currentTarget.value)}
      />
      <div class="note-bar">
        <span id={`${id}-count`} class={'small' + (over ? ' note-over' : ' muted')} data-testid="note-count">
          {size} / {MAX_BYTES} bytes{over ? `: ${size - MAX_BYTES} too many` : ''}
          {saved && !text ? ' (saving removes the note)' : ''}
        </span>
        <span class="grow" />
        {draft !== null && text !== saved && (
          <button type="button" onClick={() => setDraft(null)}>
            Discard
          </button>
        )}
        <button type="button" class="primary" data-testid="note-save" disabled={busy || over || text === saved} onClick={save}>
          Save note
        </button>
      </div>
      <ErrorBox error={error} />
    </section>
  );
}

// A note in a table's cell: its first words, the whole note on hover.
export function NoteCell({ note }: { note: string | undefined }) {
  if (!note) return null;
  const short = note.length > 60 ? note.slice(0, 57).trimEnd() + '…' : note;
  return (
    <span class="note-cell small" title={note} data-testid="note-cell">
      {short}
    </span>
  );
}
