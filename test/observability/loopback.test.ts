import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAllowedHostHeader, isLoopbackHost } from '../../src/observability/loopback.js';

test('isLoopbackHost accepts loopback names and addresses only', () => {
  for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', '127.0.0.256', '128.0.0.1', 'example.com', 'localhost.example.com', '']) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});

test('Host header check over TCP: loopback names with optional port', () => {
  const tcp = { unixSocket: false, allowedHosts: [] };
  for (const h of ['localhost', 'localhost:9464', 'Localhost:1', '127.0.0.1', '127.0.0.1:80', '127.9.9.9:65535', '[::1]', '[::1]:9464']) {
    assert.equal(isAllowedHostHeader(h, tcp), true, h);
  }
  for (const h of [undefined, '', 'evil.example', 'evil.example:9464', 'localhost.evil.example', '127.0.0.1.evil.example', '192.168.0.2:9464', '[::2]:80', 'localhost:abc', 'localhost:1:2']) {
    assert.equal(isAllowedHostHeader(h, tcp), false, String(h));
  }
});

test('Host header check: allowedHosts extend the list; a unix socket accepts anything', () => {
  assert.equal(isAllowedHostHeader('MyHost.lan:9464', { unixSocket: false, allowedHosts: ['myhost.lan'] }), true);
  assert.equal(isAllowedHostHeader('other.lan', { unixSocket: false, allowedHosts: ['myhost.lan'] }), false);
  assert.equal(isAllowedHostHeader('evil.example', { unixSocket: true, allowedHosts: [] }), true);
  assert.equal(isAllowedHostHeader(undefined, { unixSocket: true, allowedHosts: [] }), true);
});
