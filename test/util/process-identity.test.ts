import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { isProcessAlive, isWriterAlive, ownStartTime } from '../../src/util/process-identity.js';

const YEAR_MS = 365 * 24 * 3600_000;

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim());
}

describe('isWriterAlive: the process that wrote a record at a given time', () => {
  test('this process, for a record written since it started, is alive', () => {
    assert.equal(isWriterAlive(process.pid), true);
    assert.equal(isWriterAlive(process.pid, Date.now()), true);
    assert.equal(isWriterAlive(process.pid, ownStartTime()), true);
  });

  test('regression: a record written before its pid was given to this (younger) process is not this process', () => {
    assert.equal(isWriterAlive(process.pid, ownStartTime() - YEAR_MS), false);
  });

  test('another live process that started before the record was written is alive', () => {
    assert.equal(isWriterAlive(process.ppid, Date.now()), isProcessAlive(process.ppid));
  });

  test('a dead pid is never alive; an unusable time is ignored', () => {
    assert.equal(isWriterAlive(deadPid(), Date.now()), false);
    assert.equal(isWriterAlive(process.pid, Number.NaN), true);
    for (const pid of [0, -1, 1.5, Number.NaN]) assert.equal(isWriterAlive(pid, Date.now()), false, String(pid));
  });
});
