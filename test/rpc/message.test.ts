import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { idKey, parseMessage, resultMessage } from '../../src/protocol/message.js';
import { ErrorCodes, ResponseError } from '../../src/protocol/response-error.js';

describe('parseMessage', () => {
  it('classifies requests, notifications and responses', () => {
    assert.equal(parseMessage({ jsonrpc: '2.0', id: 1, method: 'a' }).kind, 'request');
    assert.equal(parseMessage({ jsonrpc: '2.0', id: null, method: 'a' }).kind, 'request');
    assert.equal(parseMessage({ jsonrpc: '2.0', method: 'a', params: [1] }).kind, 'notification');
    assert.equal(parseMessage({ jsonrpc: '2.0', id: 'x', result: null }).kind, 'response');
    assert.equal(parseMessage({ jsonrpc: '2.0', id: 'x', error: { code: 1, message: 'm' } }).kind, 'response');
  });
  it('rejects wrong versions, bad ids, bad methods and bad params, keeping the id when readable', () => {
    const cases: Array<[unknown, string | number | null, RegExp]> = [
      [{ jsonrpc: '2.0' }, null, /method/],
      [{ jsonrpc: '1.0', id: 7, method: 'a' }, 7, /jsonrpc/],
      [{ id: 7, method: 'a' }, 7, /jsonrpc/],
      [{ jsonrpc: '2.0', id: { a: 1 }, method: 'a' }, null, /id/],
      [{ jsonrpc: '2.0', id: 2, method: 5 }, 2, /method/],
      [{ jsonrpc: '2.0', id: 3, method: 'a', params: 'str' }, 3, /params/],
      [{ jsonrpc: '2.0', id: 4, result: 1, error: {} }, 4, /either/],
      ['just a string', null, /object/],
      [null, null, /object/],
    ];
    for (const [value, id, reason] of cases) {
      const parsed = parseMessage(value);
      assert.equal(parsed.kind, 'invalid', JSON.stringify(value));
      if (parsed.kind === 'invalid') {
        assert.equal(parsed.id, id, JSON.stringify(value));
        assert.match(parsed.reason, reason);
      }
    }
  });
  it('idKey keeps numbers and numeric strings apart', () => {
    assert.notEqual(idKey(1), idKey('1'));
    assert.notEqual(idKey(null), idKey('null'));
    assert.equal(idKey(7), 7, 'no string is made for a numeric id');
  });
  it('resultMessage turns undefined into null (JSON has no undefined)', () => {
    assert.deepEqual(resultMessage(1, undefined), { jsonrpc: '2.0', id: 1, result: null });
  });
});

describe('ResponseError', () => {
  it('round-trips through its wire form', () => {
    const e = new ResponseError(ErrorCodes.InvalidParams, 'bad', { issues: [] });
    assert.deepEqual(e.toJSON(), { code: -32602, message: 'bad', data: { issues: [] } });
    const back = ResponseError.fromObject(e.toJSON());
    assert.equal(back.code, -32602);
    assert.deepEqual(back.data, { issues: [] });
  });
  it('tolerates malformed error objects', () => {
    assert.equal(ResponseError.fromObject('nope').code, ErrorCodes.InternalError);
    assert.equal(ResponseError.fromObject({ code: 'x' }).message, 'error without a message');
  });
});
