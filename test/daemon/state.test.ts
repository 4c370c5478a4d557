import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isSidewireError } from '../../src/errors.js';
import { DaemonError } from '../../src/daemon/daemon-error.js';
import { canTransition, DaemonStateMachine, type DaemonState, type DaemonStateChange } from '../../src/daemon/state.js';

const STATES: DaemonState[] = ['starting', 'running', 'paused', 'stopping', 'stopped'];
const ALLOWED = new Set(['starting>running', 'starting>stopping', 'running>paused', 'running>stopping', 'paused>running', 'paused>stopping', 'stopping>stopped']);

function machineIn(state: DaemonState): DaemonStateMachine {
  return new DaemonStateMachine({ initial: state });
}

describe('DaemonStateMachine', () => {
  test('starts in starting by default', () => {
    assert.equal(new DaemonStateMachine().state, 'starting');
  });

  test('every allowed transition works and emits {from, to, at}', () => {
    for (const key of ALLOWED) {
      const [from, to] = key.split('>') as [DaemonState, DaemonState];
      const m = new DaemonStateMachine({ initial: from, now: () => 1234 });
      const events: DaemonStateChange[] = [];
      m.on('state', (e) => events.push(e));
      m.transition(to);
      assert.equal(m.state, to);
      assert.deepEqual(events, [{ from, to, at: 1234 }]);
      assert.equal(canTransition(from, to), true);
    }
  });

  test('every forbidden transition throws ERR_DAEMON_STATE and changes nothing', () => {
    let forbidden = 0;
    for (const from of STATES) {
      for (const to of STATES) {
        if (ALLOWED.has(`${from}>${to}`)) continue;
        forbidden += 1;
        const m = machineIn(from);
        let emitted = false;
        m.on('state', () => {
          emitted = true;
        });
        assert.throws(
          () => m.transition(to),
          (err: unknown) => err instanceof DaemonError && isSidewireError(err, 'ERR_DAEMON_STATE') && err.message === `cannot go from ${from} to ${to}`,
          `${from} → ${to}`,
        );
        assert.equal(m.state, from);
        assert.equal(emitted, false);
        assert.equal(canTransition(from, to), false);
      }
    }
    assert.equal(forbidden, 25 - ALLOWED.size);
  });

  test('pause and resume', () => {
    const m = machineIn('running');
    m.pause();
    assert.equal(m.state, 'paused');
    m.resume();
    assert.equal(m.state, 'running');
  });

  test('pause refusals have the text-reply reasons', () => {
    const expected: Record<DaemonState, string | undefined> = {
      starting: 'cannot pause while starting',
      running: undefined,
      paused: 'already paused',
      stopping: 'cannot pause while stopping',
      stopped: 'cannot pause while stopped',
    };
    for (const state of STATES) {
      const reason = expected[state];
      if (reason === undefined) continue;
      const m = machineIn(state);
      assert.throws(() => m.pause(), (err: unknown) => isSidewireError(err, 'ERR_DAEMON_STATE') && err.message === reason, state);
      assert.equal(m.state, state);
    }
  });

  test('resume refusals have the text-reply reasons', () => {
    const expected: Record<DaemonState, string | undefined> = {
      starting: 'cannot resume while starting',
      running: 'not paused',
      paused: undefined,
      stopping: 'cannot resume while stopping',
      stopped: 'cannot resume while stopped',
    };
    for (const state of STATES) {
      const reason = expected[state];
      if (reason === undefined) continue;
      const m = machineIn(state);
      assert.throws(() => m.resume(), (err: unknown) => isSidewireError(err, 'ERR_DAEMON_STATE') && err.message === reason, state);
      assert.equal(m.state, state);
    }
  });

  test('refusals carry fixes', () => {
    try {
      machineIn('paused').pause();
      assert.fail('expected a throw');
    } catch (err) {
      assert.ok(err instanceof DaemonError);
      assert.ok(err.fixes.length > 0);
    }
  });

  test('a full lifecycle emits events in order', () => {
    const m = new DaemonStateMachine();
    const seen: string[] = [];
    m.on('state', (e) => seen.push(`${e.from}>${e.to}`));
    m.transition('running');
    m.pause();
    m.resume();
    m.transition('stopping');
    m.transition('stopped');
    assert.deepEqual(seen, ['starting>running', 'running>paused', 'paused>running', 'running>stopping', 'stopping>stopped']);
  });
});
