/**
 * The subscription list of one connection under `limits.maxSubscriptions` (docs/protocol.md
 * "Limits"): `$/subscribe` and `$/hello`'s `subscribe` add all their topics or none, and a
 * connection never holds more than the limit, so the `{ topics }` reply (all current
 * subscriptions) and the matching done per published event stay bounded. A request naming more
 * topics than the limit is refused before any of them is looked at.
 */
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';
import { topicProblem } from '../protocol/topics.js';

/** Checks that `topics` is a list of at most `limit` valid topic patterns. */
function checkTopics(topics: readonly unknown[], limit: number, method: string): asserts topics is readonly string[] {
  if (topics.length > limit) {
    throw new ResponseError(ErrorCodes.InvalidParams, `invalid params: ${method} names ${topics.length} topics; at most ${limit} (limits.maxSubscriptions)`, { limit });
  }
  for (const t of topics) {
    const problem = topicProblem(t);
    if (problem !== undefined) throw new ResponseError(ErrorCodes.InvalidParams, `invalid params: ${problem}`);
  }
}

/**
 * Adds `topics` to `subs`, all or none.
 * @throws ResponseError -32602 for an invalid topic; -32005 with `data: { limit, subscribed }`
 *   when `subs` would hold more than `limit` patterns (or the request names more than `limit`)
 */
export function addSubscriptions(subs: Set<string>, topics: readonly unknown[], limit: number): void {
  if (topics.length > limit) throw tooMany(subs.size, topics.length, limit);
  checkTopics(topics, limit, '$/subscribe');
  const fresh = new Set<string>();
  for (const t of topics) if (!subs.has(t)) fresh.add(t);
  if (subs.size + fresh.size > limit) throw tooMany(subs.size, fresh.size, limit);
  for (const t of fresh) subs.add(t);
}

function tooMany(subscribed: number, more: number, limit: number): ResponseError {
  return new ResponseError(
    ErrorCodes.Busy,
    `server busy: too many subscriptions: this connection has ${subscribed} and asked for ${more} more; at most ${limit} (limits.maxSubscriptions: unsubscribe some, or use a pattern such as "build.*")`,
    { limit, subscribed },
  );
}

/**
 * Removes `topics` (exact strings) from `subs`.
 * @throws ResponseError -32602 for an invalid topic or more than `limit` topics in the request
 */
export function removeSubscriptions(subs: Set<string>, topics: readonly unknown[], limit: number): void {
  checkTopics(topics, limit, '$/unsubscribe');
  for (const t of topics) subs.delete(t);
}
