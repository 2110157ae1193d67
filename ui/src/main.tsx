// weir's web UI: a page per hash route, every piece of data from the REST API.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, onUnauthenticated, post, setSession } from './api';
import { Notices, Session } from './components';
import { href, useRoute } from './router';
import type { Me } from './types';
import { AdminView } from './views/admin';
import { AuditView } from './views/audit';
import { BrowseView } from './views/browse';
import { DagView } from './views/dag';
import { DagsView } from './views/dags';
import { LakeView } from './views/lake';
import { SchedulerBanner } from './views/health';
import { Login } from './views/login';
import { TaskView } from './views/task';
import { TransferEditView, TransferForm } from './views/transfer_form';
import { TransferJobView } from './views/transfer_job';
import { TransfersView } from './views/transfers';
import { WorkersView } from './views/workers';

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const route = useRoute();

  useEffect(() => {
    get<Me>('/auth/me')
      .then((m) => {
        setSession(m);
        setMe(m);
      })
      .catch(() => setMe(null));
    return onUnauthenticated(() => {
      setSession(null);
      setMe(null);
    });
  }, []);

  if (me === undefined) return null;
  if (me === null) {
    return (
      <Login
        onLogin={(m) => {
          setSession(m);
          setMe(m);
        }}
      />
    );
  }

  const [section] = route.parts;
  let view;
  const p = route.parts;
  if (!section || section === 'dags') {
    if (p.length >= 6 && p[2] === 'runs' && p[4] === 'tasks') {
      view = <TaskView dagId={p[1]} runId={p[3]} taskId={p[5]} tryNumber={Number(route.params.get('try')) || 0} />;
    } else if (p.length >= 2) {
      view = <DagView dagId={p[1]} tab={p[2] || 'grid'} params={route.params} />;
    } else {
      view = <DagsView params={route.params} />;
    }
  } else if (section === 'transfers') {
    // The form is #/transfers?new=1: every name is a valid job name, "new" too.
    if (p.length === 1 && route.params.has('new')) {
      view = <TransferForm />;
    } else if (p.length >= 3 && p[2] === 'edit') {
      view = <TransferEditView key={p[1]} name={p[1]} />;
    } else if (p.length >= 2) {
      view = <TransferJobView key={p[1]} name={p[1]} params={route.params} />;
    } else {
      view = <TransfersView params={route.params} />;
    }
  } else if (section === 'lake') {
    view = <LakeView dataset={p.slice(1).join('/')} params={route.params} />;
  } else if (section === 'browse') {
    view = <BrowseView page={p[1] || 'runs'} params={route.params} />;
  } else if (section === 'workers') {
    view = <WorkersView />;
  } else if (section === 'audit') {
    view = <AuditView params={route.params} />;
  } else if (section === 'admin') {
    view = <AdminView page={p[1] || 'variables'} />;
  } else {
    view = (
      <p>
        No such page. <a href="#/">Back to the DAGs</a>
      </p>
    );
  }

  return (
    <Session.Provider value={me}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          weir
        </a>
        <nav aria-label="Sections">
          <a href="#/" class={!section || section === 'dags' ? 'active' : ''}>
            DAGs
          </a>
          <a href={href(['browse', 'runs'])} class={section === 'browse' ? 'active' : ''}>
            Browse
          </a>
          <a href={href(['transfers'])} class={section === 'transfers' ? 'active' : ''}>
            Transfers
          </a>
          <a href={href(['lake'])} class={section === 'lake' ? 'active' : ''}>
            Lake
          </a>
          <a href={href(['workers'])} class={section === 'workers' ? 'active' : ''}>
            Workers
          </a>
          <a href={href(['audit'])} class={section === 'audit' ? 'active' : ''}>
            Audit log
          </a>
          <a href={href(['admin', 'variables'])} class={section === 'admin' ? 'active' : ''}>
            Admin
          </a>
        </nav>
        <div class="who">
          <span title={`signed in as ${me.username} (${me.role})`}>
            {me.username} <span class="muted">· {me.role}</span>
          </span>
          <button
            type="button"
            class="ghost"
            onClick={async () => {
              try {
                await post('/auth/logout');
              } finally {
                setSession(null);
                setMe(null);
              }
            }}
          >
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <SchedulerBanner />
        {view}
      </main>
      <Notices />
    </Session.Provider>
  );
}

render(<App />, document.getElementById('app')!);
