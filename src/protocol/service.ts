/**
 * Typed service descriptions. Describe a service once and use it on both sides:
 *
 * ```ts
 * interface Build extends ServiceShape {
 *   methods: { 'build.run': { params: { target: string }; result: { ok: boolean } } };
 *   events: { 'build.done': { target: string; ms: number } };
 * }
 * const server = await serve<Build>({ app: 'myapp' });
 * server.method('build.run', async ({ target }) => ({ ok: true }));
 * const client = await connect<Build>({ app: 'myapp' });
 * const { ok } = await client.call('build.run', { target: 'all' });
 * ```
 *
 * Without a type argument every method name is allowed and params/results are `unknown`.
 */

/** A service: request methods (params → result) and event topics (topic → payload). */
export interface ServiceShape {
  methods: Record<string, { params: unknown; result: unknown }>;
  events: Record<string, unknown>;
}

/** The default, untyped service: any method, any event. */
export interface UntypedService extends ServiceShape {
  methods: Record<string, { params: unknown; result: unknown }>;
  events: Record<string, unknown>;
}

/** Method names of `S`. */
export type MethodName<S extends ServiceShape> = keyof S['methods'] & string;

/** Params type of method `K`. */
export type ParamsOf<S extends ServiceShape, K extends MethodName<S>> = S['methods'][K]['params'];

/** Result type of method `K`. */
export type ResultOf<S extends ServiceShape, K extends MethodName<S>> = S['methods'][K]['result'];

/** Event topic names of `S`. */
export type EventName<S extends ServiceShape> = keyof S['events'] & string;

/** Payload type of event `T`. */
export type EventOf<S extends ServiceShape, T extends EventName<S>> = S['events'][T];

/** A subscription pattern: a topic of `S`, or any prefix pattern ending in `*`. */
export type TopicPattern<S extends ServiceShape> = EventName<S> | `${string}*`;

/** Payload type for a subscription pattern: exact topics are typed, wildcards give `unknown`. */
export type PatternPayload<S extends ServiceShape, P extends string> = P extends EventName<S> ? EventOf<S, P> : unknown;

/**
 * Arguments after the method name: params may be omitted when the method's params type allows
 * `undefined`.
 */
export type CallArgs<S extends ServiceShape, K extends MethodName<S>, O> = undefined extends ParamsOf<S, K>
  ? [params?: ParamsOf<S, K>, options?: O]
  : [params: ParamsOf<S, K>, options?: O];
