// What the win32 lane runs (scripts/run-win32.mjs): its own real-process suite in LANE_DIR, then
// the files of test/ that work under node.exe on Wine. Every other file of test/ is left out for
// a reason given in docs/windows.md ("test/ under node.exe"); keep the two in step.

/** The lane's own suite: node.exe, named pipes, the built CLI. Not part of `npm test`. */
export const LANE_DIR = 'test-win32';

/**
 * Files of test/ that pass under node.exe on Wine (`node scripts/run-win32.mjs --all`), less some
 * slow or pure-codec ones (docs/windows.md). The rpc files serve on a named pipe there
 * (test/rpc/rpc-harness.ts).
 */
export const SUITE = [
  'test/architecture/error-table.test.ts',
  'test/cli/report-error.test.ts',
  'test/daemon/config.test.ts',
  'test/daemon/daemon-owner.test.ts',
  'test/daemon/state.test.ts',
  'test/docs/error-codes-documented.test.ts',
  'test/endpoint/parse-roundtrip.test.ts',
  'test/endpoint/parse.test.ts',
  'test/framing/length-prefix.test.ts',
  'test/framing/ndjson.test.ts',
  'test/framing/sniff.test.ts',
  'test/observability/channels.test.ts',
  'test/observability/client-metrics.test.ts',
  'test/observability/logger.test.ts',
  'test/observability/loopback.test.ts',
  'test/observability/metrics.test.ts',
  'test/observability/server-observer.test.ts',
  'test/platform/detect.test.ts',
  'test/platform/presets.test.ts',
  'test/rpc/batch.test.ts',
  'test/rpc/binary-codec.test.ts',
  'test/rpc/binary-hostile-frame.test.ts',
  'test/rpc/binary-writer.test.ts',
  'test/rpc/connection-modes.test.ts',
  'test/rpc/encode-error.test.ts',
  'test/rpc/error-codes.test.ts',
  'test/rpc/events.test.ts',
  'test/rpc/graceful-close.test.ts',
  'test/rpc/id-table.test.ts',
  'test/rpc/lazy-abort.test.ts',
  'test/rpc/message.test.ts',
  'test/rpc/options-validation.test.ts',
  'test/rpc/reserved-methods.test.ts',
  'test/rpc/service-types.test.ts',
  'test/rpc/socket-writer.test.ts',
  'test/rpc/subscription-limits.test.ts',
  'test/rpc/topics.test.ts',
  'test/shm/ring-allocator.test.ts',
  'test/spool/torn-lines.test.ts',
  'test/text/text-auth.test.ts',
  'test/text/text-line.test.ts',
  'test/text/text-reply.test.ts',
  'test/transport/listen-errors.test.ts',
  'test/transport/token.test.ts',
  'test/util/atomic-file.test.ts',
  'test/util/process-identity.test.ts',
];
