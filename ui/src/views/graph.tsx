// The DAG's tasks laid out by dagre, coloured by their state in the chosen run. Each box is
// as wide as its label (within bounds); a longer label is cut with an ellipsis and the whole
// of it is in the node's tooltip.
import { graphlib, layout as dagreLayout } from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import { href } from '../router';
import type { GridCell, TaskSpec } from '../types';

const H = 46;
const PAD = 10; // the text's inset from the box's left and right edges
const MIN_W = 140;
const MAX_W = 340;
// The labels' fonts, as style.css sets them for svg.graph .node-id and .node-op.
const MONO = 'ui-monospace, Menlo, Consolas, monospace';
const ID_FONT = { css: `12px ${MONO}`, px: 12 };
const OP_FONT = { css: `10.5px ${MONO}`, px: 10.5 };
// The longest state a node can print: boxes are sized for it, so that they do not move as
// the run's states change.
const LONGEST_STATE = 'upstream failed';

let measurer: CanvasRenderingContext2D | null | undefined;

// The text's width in pixels, measured with the font the page will draw it in.
function textWidth(text: string, font: { css: string; px: number }): number {
  if (measurer === undefined) measurer = document.createElement('canvas').getContext('2d');
  if (!measurer) return text.length * font.px * 0.62; // a monospace glyph is about 0.6 em wide
  measurer.font = font.css;
  return measurer.measureText(text).width;
}

// The longest start of `text` that, with an ellipsis, fits `max` pixels (all of it if it fits).
function fit(text: string, font: { css: string; px: number }, max: number): string {
  if (textWidth(text, font) <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(text.slice(0, mid) + '…', font) <= max) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo) + '…';
}

// A node's width and its two lines of text, cut to fit.
function nodeBox(t: TaskSpec): { width: number; id: string; operator: string } {
  const wanted = Math.max(textWidth(t.task_id, ID_FONT), textWidth(`${t.operator} · ${LONGEST_STATE}`, OP_FONT));
  const width = Math.ceil(Math.min(MAX_W, Math.max(MIN_W, wanted + 2 * PAD)));
  const room = width - 2 * PAD;
  return { width, id: fit(t.task_id, ID_FONT, room), operator: fit(t.operator, OP_FONT, room - textWidth(` · ${LONGEST_STATE}`, OP_FONT)) };
}

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
    const boxes = new Map(tasks.map((t) => [t.task_id, nodeBox(t)]));
    for (const t of tasks) g.setNode(t.task_id, { width: boxes.get(t.task_id)!.width, height: H });
    for (const t of tasks) for (const u of t.upstream) if (g.hasNode(u)) g.setEdge(u, t.task_id);
    dagreLayout(g);
    const nodes = tasks.map((t) => ({ task: t, box: boxes.get(t.task_id)!, ...(g.node(t.task_id) as { x: number; y: number }) }));
    const edges = g.edges().map((e) => ({ id: `${e.v}->${e.w}`, points: (g.edge(e) as { points: { x: number; y: number }[] }).points }));
    const { width = 0, height = 0 } = g.graph() as { width?: number; height?: number };
    return { nodes, edges, width, height };
  }, [tasks]);

  if (!tasks.length) return <p class="muted">This DAG has no tasks.</p>;
  return (
    // Focusable, so that the keyboard can scroll a graph wider than the screen.
    <div class="scroll graph-wrap" tabIndex={0} role="region" aria-label="Task graph">
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
          const w = n.box.width;
          const body = (
            <g
              transform={`translate(${n.x - w / 2},${n.y - H / 2})`}
              data-task={n.task.task_id}
              data-state={state}
              class={`node s-${state}`}
            >
              <title>{`${n.task.task_id}\n${n.task.operator} · ${state.replace(/_/g, ' ')}`}</title>
              <rect width={w} height={H} rx="6" />
              <text x={PAD} y="19" class="node-id">
                {n.box.id}
              </text>
              <text x={PAD} y="36" class="node-op">
                {n.box.operator} · {state.replace(/_/g, ' ')}
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
