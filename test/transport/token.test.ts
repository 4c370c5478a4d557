import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateToken, tokensEqual } from '../../src/transport/token.js';

describe('token', () => {
  it('generates 64 lowercase hex characters, different every time', () => {
    const a = generateToken();
    const b = generateToken();
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.match(b, /^[0-9a-f]{64}$/);
    assert.notEqual(a, b);
  });

  it('tokensEqual accepts only the identical string', () => {
    const t = generateToken();
    assert.equal(tokensEqual(t, t), true);
    assert.equal(tokensEqual(`${t}`.toUpperCase(), t), false);
    assert.equal(tokensEqual(t.slice(0, 63), t), false, 'shorter');
    assert.equal(tokensEqual(`${t}0`, t), false, 'longer');
    assert.equal(tokensEqual(`${t.slice(0, 63)}${t.endsWith('0') ? '1' : '0'}`, t), false, 'last char differs');
    assert.equal(tokensEqual('', t), false);
  });

  it('tokensEqual is false (never throws) for non-strings', () => {
    const t = generateToken();
    for (const v of [undefined, null, 42, {}, [], Buffer.from(t)]) assert.equal(tokensEqual(v, t), false);
  });
});
