/**
 * What `sidewire top` shows, made to fit: its own `$/stats` polling taken out of the rates
 * (docs/observability.md: the counters shown are the other clients'), and the screen cut to the
 * terminal (no wrapped lines at 50 columns, the title kept in a 9-row pane).
 */
import type { StatsRates } from '../observability/stats-view.js';

/** Bytes of one `$/stats` request as the JSON-mode client sends it (an estimate; ids grow). */
export function ownRequestBytes(id: number): number {
  return Buffer.byteLength(JSON.stringify({ jsonrpc: '2.0', id, method: '$/stats' })) + 1;
}

/** Bytes of the answer to one `$/stats` request (an estimate from the result). */
export function ownResponseBytes(id: number, result: unknown): number {
  return Buffer.byteLength(JSON.stringify({ jsonrpc: '2.0', id, result })) + 1;
}

/**
 * `rates` without top's own traffic: between two samples it sent one request (one message and
 * one request in, one message out) of `bytesIn`/`bytesOut` bytes. Never below 0.
 */
export function withoutOwnPolling(rates: StatsRates | undefined, seconds: number, own: { bytesIn: number; bytesOut: number }): StatsRates | undefined {
  if (rates === undefined || !(seconds > 0)) return rates;
  const less = (value: number, per: number): number => Math.max(0, value - per / seconds);
  return {
    ...rates,
    messagesIn: less(rates.messagesIn, 1),
    messagesOut: less(rates.messagesOut, 1),
    requests: less(rates.requests, 1),
    bytesIn: less(rates.bytesIn, own.bytesIn),
    bytesOut: less(rates.bytesOut, own.bytesOut),
  };
}

/** The terminal size: stdout's when it is a terminal, else COLUMNS/LINES when set. */
export function terminalSize(stdout: { isTTY?: boolean; columns?: number; rows?: number }, env: Readonly<Record<string, string | undefined>>): { columns?: number; rows?: number } {
  const fromEnv = (name: string): number | undefined => {
    const n = Number(env[name]);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  };
  const columns = stdout.isTTY === true && stdout.columns !== undefined && stdout.columns > 0 ? stdout.columns : fromEnv('COLUMNS');
  const rows = stdout.isTTY === true && stdout.rows !== undefined && stdout.rows > 0 ? stdout.rows : fromEnv('LINES');
  return { ...(columns === undefined ? {} : { columns }), ...(rows === undefined ? {} : { rows }) };
}

/**
 * Cuts `screen` to `columns` (lines that would wrap end in "…") and to `rows - 1` lines (blank
 * lines go first, then the bottom), so the title stays on top and nothing scrolls.
 */
export function fitScreen(screen: string, size: { columns?: number; rows?: number }): string {
  let lines = screen.replace(/\n+$/, '').split('\n');
  const { columns, rows } = size;
  if (rows !== undefined) {
    const room = Math.max(1, rows - 1);
    if (lines.length > room) lines = lines.filter((l) => l !== '');
    lines = lines.slice(0, room);
  }
  if (columns !== undefined) {
    const width = Math.max(2, columns);
    lines = lines.map((l) => ([...l].length <= width ? l : `${[...l].slice(0, width - 1).join('')}…`));
  }
  return lines.join('\n') + '\n';
}
