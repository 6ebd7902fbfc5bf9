// What the bench prints: medians over the rounds, ratios to the backend
// alone, the targets with pass or fail, as a table for people and as
// one JSON line for scripts.
import { cpus, loadavg, release } from 'node:os';
import { VARIANT_NAMES, type VariantKey } from './variants.ts';

/** One variant in one round. */
export interface VariantSample {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU time per request of the process the load goes through (the backend for A). */
  readonly frontCpuUs: number;
  /** The backend's CPU time per request in the same run (equal to frontCpuUs for A). */
  readonly backendCpuUs: number;
  readonly frontRssIdleMb: number;
  readonly frontRssLoadedMb: number;
  /** Bytes of log written per request by the front process, when it logs to a file. */
  readonly frontLogBytes: number | undefined;
}

/** One round's start-up of the two services. */
export interface StartupSample {
  readonly backendReadyMs: number;
  readonly frontendReadyMs: number;
}

export type Summary = { readonly [K in keyof VariantSample]: number | undefined } & { readonly ratioToA: number };

export interface Target {
  readonly name: string;
  readonly value: number;
  readonly limit: number;
  readonly unit: string;
  readonly ok: boolean;
}

export interface Report {
  readonly date: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly node: string;
    readonly kernel: string;
    readonly loadAverage1m: number;
    /** Share of the machine's CPU time used by other processes during the run, 0 to 1. */
    readonly othersCpuShare: number;
  };
  readonly command: string;
  readonly settings: Readonly<Record<string, number | string>>;
  readonly nginx: string;
  readonly variants: Partial<Record<VariantKey, Summary>>;
  readonly startup: { readonly backendReadyMs: number; readonly frontendReadyMs: number };
  readonly targets: readonly Target[];
}

export function median(values: readonly number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function summarise(samples: readonly VariantSample[], a: readonly VariantSample[]): Summary {
  const field = (key: keyof VariantSample) => {
    const values = samples.map((sample) => sample[key]).filter((value) => value !== undefined);
    return values.length === 0 ? undefined : median(values);
  };
  const rps = median(samples.map((sample) => sample.requestsPerSecond));
  return {
    requestsPerSecond: rps,
    ratioToA: rps / median(a.map((sample) => sample.requestsPerSecond)),
    p50Ms: field('p50Ms'),
    p99Ms: field('p99Ms'),
    frontCpuUs: field('frontCpuUs'),
    backendCpuUs: field('backendCpuUs'),
    frontRssIdleMb: field('frontRssIdleMb'),
    frontRssLoadedMb: field('frontRssLoadedMb'),
    frontLogBytes: field('frontLogBytes'),
  };
}

function target(name: string, value: number, comparison: '<=' | '>=', limit: number, unit = ''): Target {
  return { name: `${name} ${comparison} ${limit}${unit}`, value, limit, unit, ok: comparison === '<=' ? value <= limit : value >= limit };
}

// The targets, all from the same run.
function targets(variants: Report['variants'], startup: Report['startup'], backendRssLoadedMb: number): Target[] {
  const { A: a, B: b, C: c } = variants;
  if (a === undefined || b === undefined || c === undefined) return [];
  return [
    target('B/A req/s', b.ratioToA, '>=', 0.5),
    target('B/C req/s (reply-from)', b.requestsPerSecond! / c.requestsPerSecond!, '>=', 1.5),
    target("frontend CPU/request ÷ backend's", b.frontCpuUs! / b.backendCpuUs!, '<=', 1.5),
    target('p99 B − A at 10 connections', b.p99Ms! - a.p99Ms!, '<=', 1, ' ms'),
    target('backend ready after spawn', startup.backendReadyMs, '<=', 250, ' ms'),
    target('frontend ready after spawn', startup.frontendReadyMs, '<=', 250, ' ms'),
    target('backend idle RSS', a.frontRssIdleMb!, '<=', 80, ' MB'),
    target('frontend idle RSS', b.frontRssIdleMb!, '<=', 80, ' MB'),
    // "Well inside the task's 512 MiB": at most half of it.
    target('backend + frontend RSS after load', backendRssLoadedMb + b.frontRssLoadedMb!, '<=', 256, ' MB'),
  ];
}

export interface ReportInput {
  readonly command: string;
  readonly settings: Report['settings'];
  readonly nginx: string;
  readonly loadAverage1m: number;
  readonly othersCpuShare: number;
  readonly samples: Partial<Record<VariantKey, VariantSample[]>>;
  readonly startups: readonly StartupSample[];
  /** The backend's RSS at the end of each round, after every variant's load. */
  readonly backendRssLoadedMb: readonly number[];
}

export function buildReport(input: ReportInput): Report {
  const a = input.samples.A ?? [];
  const variants: Partial<Record<VariantKey, Summary>> = {};
  for (const [key, samples] of Object.entries(input.samples) as Array<[VariantKey, VariantSample[]]>) {
    variants[key] = summarise(samples, a);
  }
  const startup = {
    backendReadyMs: median(input.startups.map((s) => s.backendReadyMs)),
    frontendReadyMs: median(input.startups.map((s) => s.frontendReadyMs)),
  };
  return {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      kernel: release(),
      loadAverage1m: input.loadAverage1m,
      othersCpuShare: input.othersCpuShare,
    },
    command: input.command,
    settings: input.settings,
    nginx: input.nginx,
    variants,
    startup,
    targets: targets(variants, startup, median(input.backendRssLoadedMb)),
  };
}

const fixed = (value: number | undefined, digits: number) => (value === undefined ? '—' : value.toFixed(digits));

export function formatTable(report: Report): string {
  const header = ['variant', 'req/s @50', '× A', 'p50 ms @10', 'p99 ms @10', 'CPU µs/req', 'backend µs/req', 'RSS MB idle', 'RSS MB loaded'];
  const rows = (Object.entries(report.variants) as Array<[VariantKey, Summary]>).map(([key, s]) => [
    `${key} ${VARIANT_NAMES[key]}`,
    fixed(s.requestsPerSecond, 0),
    fixed(s.ratioToA, 2),
    fixed(s.p50Ms, 3),
    fixed(s.p99Ms, 3),
    fixed(s.frontCpuUs, 1),
    key === 'A' ? '(same)' : fixed(s.backendCpuUs, 1),
    fixed(s.frontRssIdleMb, 1),
    fixed(s.frontRssLoadedMb, 1),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  const { machine } = report;
  const settings = Object.entries(report.settings).map(([key, value]) => `${key} ${value}`).join(', ');
  const logs = (['A', 'B'] as const)
    .map((key) => `${key === 'A' ? 'backend' : 'frontend'} ${fixed(report.variants[key]?.frontLogBytes, 0)} B/request`)
    .join(', ');
  return [
    `date:     ${report.date}`,
    `machine:  ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, linux ${machine.kernel}`,
    `load:     load average (1 min) at start ${machine.loadAverage1m.toFixed(2)}; other processes used ${(machine.othersCpuShare * 100).toFixed(0)}% of the machine's CPU during the run`,
    `command:  ${report.command}`,
    `settings: ${settings}; medians over the rounds`,
    `nginx:    ${report.nginx}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `start-up to the first 200 on the health route (from spawn): backend ${fixed(report.startup.backendReadyMs, 0)} ms, frontend ${fixed(report.startup.frontendReadyMs, 0)} ms`,
    `production logging written during the req/s runs: ${logs}`,
    '',
    'targets:',
    ...report.targets.map((t) => `  ${t.ok ? 'pass' : 'FAIL'}  ${t.name.padEnd(48)} ${fixed(t.value, 2)}${t.unit}`),
  ].join('\n');
}

/** The 1-minute load average, to print with the results: a busy machine explains odd numbers. */
export function loadAverage1m(): number {
  return loadavg()[0] ?? Number.NaN;
}
