/**
 * The lifecycle of a daemon: starting → running ⇄ paused → stopping → stopped.
 * Every change is checked against the allowed transitions and announced as a `'state'` event.
 */
import { EventEmitter } from 'node:events';
import { createError, type DaemonError } from '../errors.js';

export type DaemonState = 'starting' | 'running' | 'paused' | 'stopping' | 'stopped';

/** Payload of the `'state'` event. */
export interface DaemonStateChange {
  readonly from: DaemonState;
  readonly to: DaemonState;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** The allowed transitions, from → to. */
const ALLOWED: Readonly<Record<DaemonState, readonly DaemonState[]>> = {
  starting: ['running', 'stopping'],
  running: ['paused', 'stopping'],
  paused: ['running', 'stopping'],
  stopping: ['stopped'],
  stopped: [],
};

export interface DaemonStateMachineOptions {
  /**
   * The state to start in.
   * @default 'starting'
   */
  readonly initial?: DaemonState;
  /**
   * Clock for the `at` of state events (epoch ms).
   * @default Date.now
   */
  readonly now?: () => number;
}

export interface DaemonStateMachineEvents {
  state: [DaemonStateChange];
}

/** True when `from → to` is an allowed transition. */
export function canTransition(from: DaemonState, to: DaemonState): boolean {
  return ALLOWED[from].includes(to);
}

/** A daemon's state. Emits `'state'` with `{ from, to, at }` after every change. */
export class DaemonStateMachine extends EventEmitter<DaemonStateMachineEvents> {
  private current: DaemonState;
  private readonly now: () => number;

  constructor(options: DaemonStateMachineOptions = {}) {
    super();
    this.current = options.initial ?? 'starting';
    this.now = options.now ?? Date.now;
  }

  get state(): DaemonState {
    return this.current;
  }

  /** Changes state; throws `ERR_DAEMON_STATE` (`cannot go from X to Y`) for a forbidden transition. */
  transition(to: DaemonState): void {
    const from = this.current;
    if (!canTransition(from, to)) {
      throw createError('ERR_DAEMON_STATE', `cannot go from ${from} to ${to}`, {
        fixes: [`allowed from ${from}: ${ALLOWED[from].join(', ') || 'nothing (final state)'}`],
        details: { from, to },
      });
    }
    this.current = to;
    this.emit('state', { from, to, at: this.now() });
  }

  /** running → paused. Throws `already paused` / `cannot pause while <state>`. */
  pause(): void {
    if (this.current === 'paused') throw stateError('already paused', this.current, 'RESUME it first if you meant to restart work');
    if (this.current !== 'running') throw stateError(`cannot pause while ${this.current}`, this.current, 'wait until the daemon is running');
    this.transition('paused');
  }

  /** paused → running. Throws `not paused` / `cannot resume while <state>`. */
  resume(): void {
    if (this.current === 'running') throw stateError('not paused', this.current, 'nothing to do: the daemon is running');
    if (this.current !== 'paused') throw stateError(`cannot resume while ${this.current}`, this.current, 'wait until the daemon is running');
    this.transition('running');
  }
}

function stateError(message: string, state: DaemonState, fix: string): DaemonError {
  return createError('ERR_DAEMON_STATE', message, { fixes: [fix], details: { state } });
}
