/** The owner rule of daemon.stop (daemon-owner.ts): decided from what the endpoint lets through. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ownerRefusal } from '../../src/daemon/daemon-owner.js';

describe('ownerRefusal', () => {
  const unix = { kind: 'unix', path: '/run/user/1000/app/app.sock' } as const;

  test('a 0600 (or 0700) unix socket: only the owner can connect → allowed', () => {
    assert.equal(ownerRefusal({ endpoint: unix, socketMode: 0o600, tokenRequired: false }), undefined);
    assert.equal(ownerRefusal({ endpoint: unix, socketMode: 0o700, tokenRequired: false }), undefined);
  });

  test('a group- or world-accessible unix socket → refused, naming the mode and the fixes', () => {
    const why = ownerRefusal({ endpoint: unix, socketMode: 0o660, tokenRequired: false });
    assert.match(why ?? '', /0660 lets other users connect/);
    assert.match(why ?? '', /kill -TERM/);
    assert.match(why ?? '', /requireToken/);
    assert.notEqual(ownerRefusal({ endpoint: unix, socketMode: 0o602, tokenRequired: false }), undefined);
  });

  test('abstract sockets and TCP without a token → refused', () => {
    assert.match(ownerRefusal({ endpoint: { kind: 'abstract', name: 'x' }, socketMode: 0o600, tokenRequired: false }) ?? '', /abstract socket has no permissions/);
    assert.match(ownerRefusal({ endpoint: { kind: 'tcp', host: '127.0.0.1', port: 1 }, socketMode: 0o600, tokenRequired: false }) ?? '', /TCP endpoint without a token/);
  });

  test('any endpoint that requires the token → allowed; Windows pipes → allowed', () => {
    assert.equal(ownerRefusal({ endpoint: { kind: 'tcp', host: '127.0.0.1', port: 1 }, socketMode: 0o600, tokenRequired: true }), undefined);
    assert.equal(ownerRefusal({ endpoint: { kind: 'abstract', name: 'x' }, socketMode: 0o600, tokenRequired: true }), undefined);
    assert.equal(ownerRefusal({ endpoint: unix, socketMode: 0o666, tokenRequired: true }), undefined);
    assert.equal(ownerRefusal({ endpoint: { kind: 'pipe', name: 'app' }, socketMode: 0o600, tokenRequired: false }), undefined);
  });
});
