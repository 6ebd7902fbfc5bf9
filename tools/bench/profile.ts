// Where a process's CPU went: the top self-time functions of a V8 CPU
// profile (`node --cpu-prof`), as the bench prints them with --profile.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  /** Share of the busy (non-idle) time, 0 to 1. */
  readonly share: number;
}

const ROOT = new URL('../../', import.meta.url).href;

function where(frame: ProfileNode['callFrame']): string {
  if (frame.url === '') return '';
  return `${frame.url.replace(ROOT, '')}:${frame.lineNumber + 1}`;
}

/** The functions with the most self time, heaviest first; idle time left out. */
export function topSelfTime(file: string, count: number): SelfTime[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const totals = new Map<string, { name: string; where: string; micros: number }>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    // timeDeltas[i] is the time before sample i: the time spent in sample i is the next delta.
    const micros = profile.timeDeltas[index + 1] ?? 0;
    const frame = frames.get(id);
    if (frame === undefined || frame.functionName === '(idle)') return;
    busy += micros;
    const key = `${frame.functionName} ${frame.url}:${frame.lineNumber}`;
    const total = totals.get(key) ?? { name: frame.functionName || '(anonymous)', where: where(frame), micros: 0 };
    total.micros += micros;
    totals.set(key, total);
  });
  return [...totals.values()]
    .sort((a, b) => b.micros - a.micros)
    .slice(0, count)
    .map((total) => ({ name: total.name, where: total.where, share: total.micros / busy }));
}

export function formatSelfTime(title: string, top: readonly SelfTime[]): string {
  return [title, ...top.map((entry) => `  ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.name}  ${entry.where}`)].join('\n');
}
