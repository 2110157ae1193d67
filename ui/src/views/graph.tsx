// The DAG's tasks laid out by dagre, coloured by their state in the chosen run.
import { graphlib, layout as dagreLayout } from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import { href } from '../router';
import type { GridCell, TaskSpec } from '../types';

const W = 180;
const H = 46;

export function GraphView({
  dagId,
  tasks,
  runId,
  cells,
}: {
  dagId: string;
  tasks: TaskSpec[];
  runId: string;
  cells: Record<string, GridCell>;
}) {
  const layout = useMemo(() => {
    const g = new graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 56, marginx: 8, marginy: 8 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const t of tasks) g.setNode(t.task_id, { width: W, height: H });
    for (const t of tasks) for (const u of t.upstream) if (g.hasNode(u)) g.setEdge(u, t.task_id);
    dagreLayout(g);
    const nodes = tasks.map((t) => ({ task: t, ...(g.node(t.task_id) as { x: number; y: number }) }));
    const edges = g.edges().map((e) => ({ id: `${e.v}->${e.w}`, points: (g.edge(e) as { points: { x: number; y: number }[] }).points }));
    const { width = 0, height = 0 } = g.graph() as { width?: number; height?: number };
    return { nodes, edges, width, height };
  }, [tasks]);

  if (!tasks.length) return <p class="muted">This DAG has no tasks.</p>;
  return (
    <div class="scroll graph-wrap">
      <svg
        class="graph"
        data-testid="graph"
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width={layout.width}
        height={layout.height}
        role="group"
        aria-label="Task graph"
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow" />
          </marker>
        </defs>
        {layout.edges.map((e) => (
          <path key={e.id} class="edge" marker-end="url(#arrow)" d={'M' + e.points.map((p) => `${p.x},${p.y}`).join(' L')} />
        ))}
        {layout.nodes.map((n) => {
          const state = cells[n.task.task_id]?.state ?? 'none';
          const link = runId ? href(['dags', dagId, 'runs', runId, 'tasks', n.task.task_id]) : undefined;
          const body = (
            <g
              transform={`translate(${n.x - W / 2},${n.y - H / 2})`}
              data-task={n.task.task_id}
              data-state={state}
              class={`node s-${state}`}
            >
              <rect width={W} height={H} rx="6" />
              <text x="10" y="19" class="node-id">
                {n.task.task_id.length > 22 ? n.task.task_id.slice(0, 21) + '…' : n.task.task_id}
              </text>
              <text x="10" y="36" class="node-op">
                {n.task.operator} · {state.replace(/_/g, ' ')}
              </text>
            </g>
          );
          return link ? (
            <a href={link} aria-label={`${n.task.task_id}: ${state}`}>
              {body}
            </a>
          ) : (
            body
          );
        })}
      </svg>
    </div>
  );
}
