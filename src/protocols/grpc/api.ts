/** The script API of the gRPC module (`ctx.grpc`), as scripts see it. */
import type { GrpcTls } from './channels.js';

export type { GrpcTls } from './channels.js';

export interface GrpcConnectOptions {
  /** `.proto` files to load (with their imports). Without them, `reflection` must be true. */
  protoFiles?: string[];
  /** Directories imports resolve against. */
  importPaths?: string[];
  /** TLS (PEM text or file paths). Absent: plaintext. */
  tls?: GrpcTls;
  /** Plaintext (h2c); the default when `tls` is absent. */
  plaintext?: boolean;
  /** Learn the services from the server's reflection service instead of `.proto` files. */
  reflection?: boolean;
  /** Metadata sent with every call (call metadata adds to it). */
  metadata?: Record<string, string>;
  /** Default deadline of every call, ms. */
  deadlineMs?: number;
  /** Share the channel with the worker's other VUs (the test's `grpc.channel: 'worker'` does it for all). */
  shareChannel?: boolean;
}

export interface GrpcCallOptions {
  metadata?: Record<string, string>;
  deadlineMs?: number;
  /** Extra tags on the call's samples. */
  tags?: Record<string, string>;
}

export interface GrpcResponse<T = unknown> {
  /** `OK`, `UNAVAILABLE`, `DEADLINE_EXCEEDED`, … */
  status: string;
  /** The numeric gRPC status code. */
  code: number;
  /** The status message. */
  details: string;
  /** Unary and client-streaming calls: the response message (undefined unless OK). */
  message: T | undefined;
  /** Server-streaming and bidi calls: every message received, in order. */
  messages: T[];
  /** Call time, ms. */
  durationMs: number;
}

export interface GrpcClient {
  /** Loads the service definitions and opens (lazily) the channel to `target` (`host:port`). */
  connect(target: string, options?: GrpcConnectOptions): Promise<void>;
  /** A unary call: `method` is `pkg.Service/Method`. */
  invoke<T = unknown>(method: string, data: unknown, options?: GrpcCallOptions): Promise<GrpcResponse<T>>;
  /** A server-streaming call: one request, every message until the server ends the stream. */
  serverStream<T = unknown>(
    method: string,
    data: unknown,
    options?: GrpcCallOptions,
  ): Promise<GrpcResponse<T>>;
  /** A client-streaming call: sends every message, then half-closes; one response. */
  clientStream<T = unknown>(
    method: string,
    messages: unknown[],
    options?: GrpcCallOptions,
  ): Promise<GrpcResponse<T>>;
  /** A bidirectional call: sends every message, half-closes, collects every response. */
  bidi<T = unknown>(method: string, messages: unknown[], options?: GrpcCallOptions): Promise<GrpcResponse<T>>;
  /** Closes the VU's channels (the next call reconnects). */
  close(): void;
}
