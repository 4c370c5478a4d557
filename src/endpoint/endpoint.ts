/**
 * The one `Endpoint` type: where a server listens and a client connects (docs/protocol.md §1).
 * Strings are parsed into it by `parseEndpoint` and printed back by `formatEndpoint`.
 */
export type Endpoint =
  /** A Unix domain socket file, absolute path. */
  | { readonly kind: 'unix'; readonly path: string }
  /** A Linux abstract socket (no file). `name` is without the leading `@`/NUL. */
  | { readonly kind: 'abstract'; readonly name: string }
  /** A Windows named pipe `\\.\pipe\<name>`. */
  | { readonly kind: 'pipe'; readonly name: string }
  /** TCP. `port` 0 means "pick a free port" when listening. */
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export type EndpointKind = Endpoint['kind'];
