// The DAG file as it was for one version: the latest, or the one a run used. Long lines wrap
// beside their line number (no sideways scrolling, on a phone neither).
import { get, query, seg } from '../api';
import { ErrorBox, Loading } from '../components';
import { usePoll } from '../poll';
import { href } from '../router';
import { fmtTime } from '../time';
import type { Source } from '../types';

export function CodeView({ dagId, versionId, latest }: { dagId: string; versionId: string; latest: number }) {
  const src = usePoll((s) => get<Source>(`/dags/${seg(dagId)}/source` + query({ version_id: versionId }), s), 0, [dagId, versionId]);
  if (src.error) return <ErrorBox error={src.error} />;
  if (!src.data) return <Loading what="the DAG's code" />;
  const v = src.data;
  return (
    <section aria-label="DAG code">
      <p class="small">
        <span class="mono">{v.fileloc}</span>, version {v.version_number} (parsed {fmtTime(v.created_at)})
        {v.version_number !== latest && latest > 0 && (
          <>
            {' · '}
            <a href={href(['dags', dagId, 'code'])}>the latest version is {latest}</a>
          </>
        )}
      </p>
      <pre class="code source" data-testid="source">
        {v.source
          .replace(/\n$/, '')
          .split('\n')
          .map((line, i) => (
            <span class="line">
              <span class="ln" aria-hidden="true">
                {i + 1}
              </span>
              <span class="lt">{line + '\n'}</span>
            </span>
          ))}
      </pre>
    </section>
  );
}
