/**
 * Finds where a JSON text stops being valid, for error messages with a line and column. V8's
 * `JSON.parse` reports a position for most errors but not for "Unexpected token" ones (trailing
 * commas, comments, single quotes), whose message instead quotes the source. This small strict
 * scanner (RFC 8259) gives the offset in every case.
 */

class JsonSyntaxAt {
  constructor(readonly offset: number) {}
}

class JsonScanner {
  private i = 0;

  constructor(private readonly s: string) {}

  /** Scans the whole text; throws JsonSyntaxAt at the first error. */
  document(): void {
    this.ws();
    this.value();
    this.ws();
    if (this.i < this.s.length) this.fail();
  }

  private fail(): never {
    throw new JsonSyntaxAt(this.i);
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i] as string)) this.i += 1;
  }

  private expect(ch: string): void {
    if (this.s[this.i] !== ch) this.fail();
    this.i += 1;
  }

  private value(): void {
    const c = this.s[this.i];
    if (c === '{') this.container('}', true);
    else if (c === '[') this.container(']', false);
    else if (c === '"') this.string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.number();
    else this.literal();
  }

  private container(close: string, isObject: boolean): void {
    this.i += 1;
    this.ws();
    if (this.s[this.i] === close) {
      this.i += 1;
      return;
    }
    for (;;) {
      if (isObject) {
        this.string();
        this.ws();
        this.expect(':');
        this.ws();
      }
      this.value();
      this.ws();
      if (this.s[this.i] === close) {
        this.i += 1;
        return;
      }
      this.expect(',');
      this.ws();
    }
  }

  private string(): void {
    this.expect('"');
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || c < ' ') this.fail();
      this.i += 1;
      if (c === '"') return;
      if (c === '\\') {
        const e = this.s[this.i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 1, this.i + 5))) this.fail();
          this.i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i += 1;
        else this.fail();
      }
    }
  }

  private number(): void {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(this.i));
    if (m === null) this.fail();
    this.i += m[0].length;
  }

  private literal(): void {
    for (const word of ['true', 'false', 'null']) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    this.fail();
  }
}

/** The offset of the first JSON syntax error in `text`, or undefined when it is valid (or too deep to scan). */
export function jsonErrorOffset(text: string): number | undefined {
  try {
    new JsonScanner(text).document();
    return undefined;
  } catch (err) {
    if (err instanceof JsonSyntaxAt) return err.offset;
    return undefined;
  }
}

/** 1-based line and column of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}
