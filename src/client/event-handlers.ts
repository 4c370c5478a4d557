/**
 * A client's local event handlers, keyed by subscription pattern. Kept apart from the connection
 * so a reconnecting client can re-subscribe to `patterns()` on a fresh session.
 */
import { topicMatches } from '../protocol/topics.js';

export type EventHandler = (data: unknown, topic: string) => void;

export class EventHandlers {
  private readonly byPattern = new Map<string, Set<EventHandler>>();

  /** Adds a handler; true when `pattern` is new (the server must be told). */
  add(pattern: string, handler: EventHandler): boolean {
    const set = this.byPattern.get(pattern);
    if (set !== undefined) {
      set.add(handler);
      return false;
    }
    this.byPattern.set(pattern, new Set([handler]));
    return true;
  }

  /** Removes one handler, or all for `pattern`; true when `pattern` has none left (the server must be told). */
  remove(pattern: string, handler?: EventHandler): boolean {
    const set = this.byPattern.get(pattern);
    if (set === undefined) return false;
    if (handler !== undefined) set.delete(handler);
    if (handler === undefined || set.size === 0) {
      this.byPattern.delete(pattern);
      return true;
    }
    return false;
  }

  has(pattern: string): boolean {
    return this.byPattern.has(pattern);
  }

  /** Every pattern with at least one handler. */
  patterns(): string[] {
    return [...this.byPattern.keys()];
  }

  /**
   * Calls every handler whose pattern matches `topic` (each handler once). Returns the errors
   * handlers threw, so one bad handler does not starve the others.
   */
  dispatch(topic: string, data: unknown): unknown[] {
    const called = new Set<EventHandler>();
    const errors: unknown[] = [];
    for (const [pattern, handlers] of this.byPattern) {
      if (!topicMatches(pattern, topic)) continue;
      for (const h of handlers) {
        if (called.has(h)) continue;
        called.add(h);
        try {
          h(data, topic);
        } catch (err) {
          errors.push(err);
        }
      }
    }
    return errors;
  }
}
