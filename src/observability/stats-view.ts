/**
 * Turns `$/stats` results into rates and a small text screen, for `sidewire top`. Pure functions:
 * no IO, no clock (rates use the server's own `time`).
 */
import type { ServerMetricsSnapshot } from './metrics.js';
import type { ServerStats } from './server-vitals.js';

/** Per-second rates between two `$/stats` results; undefined when they cannot be computed. */
export interface StatsRates {
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly requests: number;
  readonly errors: number;
  readonly eventsDropped: number;
}

const sum = (r: Readonly<Record<string, number>>): number => Object.values(r).reduce((a, b) => a + b, 0);

/** Totals over all modes. */
export function totals(m: ServerMetricsSnapshot): {
  connections: number;
  connectionsTotal: number;
  refused: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
} {
  return {
    connections: sum(m.connections),
    connectionsTotal: sum(m.connectionsTotal),
    refused: sum(m.refused),
    messagesIn: sum(m.messagesIn),
    messagesOut: sum(m.messagesOut),
    bytesIn: sum(m.bytesIn),
    bytesOut: sum(m.bytesOut),
  };
}

/**
 * Rates per second from `previous` to `current`. Undefined without metrics, without a previous
 * sample, when no time passed, or when a counter went down (the server restarted).
 */
export function statsRates(previous: ServerStats | undefined, current: ServerStats): StatsRates | undefined {
  if (previous?.metrics == null || current.metrics === null) return undefined;
  const seconds = (current.time - previous.time) / 1000;
  if (!(seconds > 0)) return undefined;
  const a = totals(previous.metrics);
  const b = totals(current.metrics);
  const deltas = {
    messagesIn: b.messagesIn - a.messagesIn,
    messagesOut: b.messagesOut - a.messagesOut,
    bytesIn: b.bytesIn - a.bytesIn,
    bytesOut: b.bytesOut - a.bytesOut,
    requests: current.metrics.requests - previous.metrics.requests,
    errors: current.metrics.errors - previous.metrics.errors,
    eventsDropped: current.metrics.eventsDropped - previous.metrics.eventsDropped,
  };
  if (Object.values(deltas).some((d) => d < 0)) return undefined;
  return {
    messagesIn: deltas.messagesIn / seconds,
    messagesOut: deltas.messagesOut / seconds,
    bytesIn: deltas.bytesIn / seconds,
    bytesOut: deltas.bytesOut / seconds,
    requests: deltas.requests / seconds,
    errors: deltas.errors / seconds,
    eventsDropped: deltas.eventsDropped / seconds,
  };
}

/** `1234.5` → `1.2k`, for rates and totals. */
export function compactNumber(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** Bytes with a unit: `512 B`, `12.3 kB`, `4.0 MB` (powers of 1000). */
export function compactBytes(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(1)} GB`;
}

const rate = (r: StatsRates | undefined, key: keyof StatsRates, fmt: (n: number) => string = compactNumber): string =>
  r === undefined ? '–' : `${fmt(r[key])}/s`;

/**
 * The screen of `sidewire top`: a header line and one line per group of counters. `stats` is a
 * `$/stats` result, so its own request is in flight: "in flight" shows the others.
 */
export function formatStatsScreen(endpoint: string, stats: ServerStats, rates: StatsRates | undefined): string {
  const head = `sidewire top — ${endpoint} — ${stats.state}, up ${stats.uptimeSecs}s, version ${stats.version}`;
  const m = stats.metrics;
  if (m === null) {
    return `${head}\n\nconnections  ${stats.connections} open\n(metrics are off on this server: start it with metrics: true for message, request and error counters)\n`;
  }
  const t = totals(m);
  const lsp = m.connections.lsp ?? 0; // absent in an older server's stats
  const modes = `json ${m.connections.json}, binary ${m.connections.binary}, text ${m.connections.text}${lsp > 0 ? `, lsp ${lsp}` : ''}`;
  const refused = `limit ${m.refused.limit}, auth ${m.refused.auth}, invalid ${m.refused.invalid}${(m.refused.peer ?? 0) > 0 ? `, peer ${m.refused.peer}` : ''}`;
  return [
    head,
    '',
    `connections  ${t.connections} open (${modes})   ${compactNumber(t.connectionsTotal)} total   refused ${t.refused} (${refused})`,
    `messages     in ${rate(rates, 'messagesIn')}   out ${rate(rates, 'messagesOut')}   total in ${compactNumber(t.messagesIn)}, out ${compactNumber(t.messagesOut)}`,
    `bytes        in ${rate(rates, 'bytesIn', compactBytes)}   out ${rate(rates, 'bytesOut', compactBytes)}   total in ${compactBytes(t.bytesIn)}, out ${compactBytes(t.bytesOut)}`,
    `requests     ${rate(rates, 'requests')}   in flight ${Math.max(0, m.inFlight - 1)}   total ${compactNumber(m.requests)}`,
    `errors       ${rate(rates, 'errors')}   total ${compactNumber(m.errors)}`,
    `drops        ${rate(rates, 'eventsDropped')}   total ${compactNumber(m.eventsDropped)} events dropped for slow subscribers`,
    '',
  ].join('\n');
}
