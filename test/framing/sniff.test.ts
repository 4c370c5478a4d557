import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sniffMode } from '../../src/framing/sniff.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('sniffMode (DESIGN.md §3)', () => {
  it('{ or [ → json', () => {
    assert.deepEqual(sniffMode(b('{"jsonrpc":"2.0"}')), { mode: 'json', offset: 0 });
    assert.deepEqual(sniffMode(b('[{"jsonrpc":"2.0"}]')), { mode: 'json', offset: 0 });
  });

  it('0x00 → binary', () => {
    assert.deepEqual(sniffMode(Buffer.from([0x00, 0x53, 0x57, 0x01])), { mode: 'binary', offset: 0 });
  });

  it('an ASCII letter → text, for every letter', () => {
    for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') {
      assert.deepEqual(sniffMode(b(`${letter}X\n`)), { mode: 'text', offset: 0 }, letter);
    }
  });

  it('skips leading ASCII whitespace and reports the offset of the first significant byte', () => {
    assert.deepEqual(sniffMode(b(' \t\r\n{}')), { mode: 'json', offset: 4 });
    assert.deepEqual(sniffMode(b('\n\nSTATUS\n')), { mode: 'text', offset: 2 });
    assert.deepEqual(sniffMode(Buffer.from([0x20, 0x00, 0x53])), { mode: 'binary', offset: 1 });
  });

  it('is undecided on an empty chunk or whitespace only', () => {
    for (const s of ['', ' ', '\r\n', ' \t \n\n']) assert.deepEqual(sniffMode(b(s)), { mode: 'undecided' }, JSON.stringify(s));
  });

  it('rejects any other first byte, reporting it', () => {
    const bad = [0xff, 0x23 /* # */, 0x31 /* 1 */, 0x40 /* @ */, 0x5c /* \\ */, 0x60 /* ` */, 0x7d /* } */, 0x22 /* " */,
      0x0b /* VT */, 0x0c /* FF */, 0xef /* UTF-8 BOM */, 0x01, 0x7f, 0xc3 /* é */];
    for (const byte of bad) {
      assert.deepEqual(sniffMode(Buffer.from([0x20, byte, 0x7b])), { mode: 'invalid', byte }, `0x${byte.toString(16)}`);
    }
  });

  it('classifies all 256 first bytes into exactly the documented sets (C and c wait: they may start an LSP header)', () => {
    const counts: Record<string, number> = {};
    for (let byte = 0; byte < 256; byte++) {
      const mode = sniffMode(Buffer.from([byte])).mode;
      counts[mode] = (counts[mode] ?? 0) + 1;
    }
    assert.deepEqual(counts, { json: 2, binary: 1, text: 50, undecided: 4 + 2, invalid: 256 - 2 - 1 - 50 - 6 });
    assert.deepEqual(sniffMode(b('C')), { mode: 'undecided', keep: 0 });
    assert.deepEqual(sniffMode(b(' c')), { mode: 'undecided', keep: 1 });
  });
});

describe('sniffMode: LSP framing (docs/protocol.md "LSP framing")', () => {
  it('Content-Length: or Content-Type: in any case → lsp, at the offset of the C', () => {
    for (const s of ['Content-Length: 2\r\n\r\n{}', 'content-length:2', 'CONTENT-LENGTH:', 'Content-Type: application/vscode-jsonrpc\r\n', 'cOnTeNt-TyPe:']) {
      assert.deepEqual(sniffMode(b(s)), { mode: 'lsp', offset: 0 }, s);
    }
    assert.deepEqual(sniffMode(b('\r\n Content-Length: 2')), { mode: 'lsp', offset: 3 });
  });

  it('every proper prefix of a header name is undecided and keeps its bytes; one byte more decides', () => {
    for (const name of ['Content-Length:', 'Content-Type:']) {
      for (let n = 1; n < name.length; n++) {
        assert.deepEqual(sniffMode(b(` ${name.slice(0, n)}`)), { mode: 'undecided', keep: 1 }, name.slice(0, n));
        assert.deepEqual(sniffMode(b(`${name.slice(0, n)}X`)), { mode: 'text', offset: 0 }, `${name.slice(0, n)}X`);
      }
    }
  });

  it('text commands that start with C stay text commands', () => {
    for (const s of ['CALL echo\n', 'c\n', 'CONTENTS\n', 'Content\n', 'Content-Lengthy\n', 'CONTENT-LENGTH 5\n']) {
      assert.deepEqual(sniffMode(b(s)), { mode: 'text', offset: 0 }, s);
    }
  });
});
