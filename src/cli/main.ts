#!/usr/bin/env node
/** The `sidewire` executable: real process IO around `main` from run.ts. */
import { reportError, type CliIO } from './io.js';
import { main } from './run.js';
import { quietOnClosedPipe } from './stdio.js';

quietOnClosedPipe(process.stdout, process.stderr);

const io: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  get stdin() {
    return process.stdin; // lazy: only `-` params touch stdin
  },
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError(err, io, false);
  },
);
