// What the win32 lane runs (scripts/run-win32.mjs): its own real-process suite in LANE_DIR, then
// the files of test/ that work under node.exe on Wine. Every file of test/ not listed here is
// excluded for a reason given in docs/windows.md ("What is tested where"); keep the two in step.

/** The lane's own suite: node.exe, named pipes, the built CLI. Not part of `npm test`. */
export const LANE_DIR = 'test-win32';

/** Files of test/ that run under node.exe on Wine. */
export const SUITE = [
  'test/endpoint/parse.test.ts',
];
