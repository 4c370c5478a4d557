/**
 * Topic subscription matching (docs/protocol.md §4): a subscription matches a topic exactly, or, when it
 * ends with `*` (usually as `.*`), every topic that starts with what precedes the `*`.
 * `*` alone matches every topic; `build.*` matches `build.done` but not `build` itself.
 */

/** True when `subscription` matches the concrete `topic`. */
export function topicMatches(subscription: string, topic: string): boolean {
  if (subscription.endsWith('*')) return topic.startsWith(subscription.slice(0, -1));
  return subscription === topic;
}

/** True when any of `subscriptions` matches `topic`. */
export function anyTopicMatches(subscriptions: Iterable<string>, topic: string): boolean {
  for (const s of subscriptions) if (topicMatches(s, topic)) return true;
  return false;
}

/** Maximum length of a topic or subscription pattern, in characters. */
export const MAX_TOPIC_LENGTH = 256;

/** Why `value` is not a valid topic/pattern, or undefined when it is. */
export function topicProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'a topic must be a string';
  if (value === '') return 'a topic must not be empty';
  if (value.length > MAX_TOPIC_LENGTH) return `a topic must be at most ${MAX_TOPIC_LENGTH} characters`;
  const star = value.indexOf('*');
  if (star !== -1 && star !== value.length - 1) return `'*' is only allowed at the end of a topic pattern (got '${value}')`;
  return undefined;
}
