/**
 * Splits a UTF-8 string stream into `\n`-terminated lines in linear time (long lines that span many
 * chunks are joined once, when their newline arrives).
 */
export class LineSplitter {
  private parts: string[] = [];

  constructor(private readonly onLine: (line: string) => void) {}

  /** Feeds one decoded chunk (use `socket.setEncoding('utf8')`). */
  push(chunk: string): void {
    let end = chunk.indexOf('\n');
    if (end === -1) {
      this.parts.push(chunk);
      return;
    }
    let line = chunk.slice(0, end);
    if (this.parts.length > 0) {
      line = this.parts.join('') + line;
      this.parts = [];
    }
    this.onLine(line);
    let start = end + 1;
    while ((end = chunk.indexOf('\n', start)) !== -1) {
      this.onLine(chunk.slice(start, end));
      start = end + 1;
    }
    if (start < chunk.length) this.parts.push(chunk.slice(start));
  }
}
