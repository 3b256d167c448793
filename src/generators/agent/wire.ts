/**
 * What controllers and agents say to each other over NATS: the subjects, the messages (JSON), and
 * how a message larger than NATS's payload limit travels in parts. docs/distributed.md lists the
 * subjects for operators who want to watch them (`nats sub 'volley.>'`).
 *
 * - `volley.pool.discover`: a controller asks; every agent answers with its AgentInfo.
 * - `volley.agent.<id>.cmd`: a controller's commands to one agent (request/reply).
 * - `volley.run.<runId>.beat`: the controller's heartbeat for its agents (the dead-man switch).
 * - `volley.run.<runId>.agent.<id>.beat`: an agent's heartbeat during a run.
 * - `volley.run.<runId>.agent.<id>.report`: an agent's reports (flush, done, fatal), each
 *   acknowledged by the controller and resent until it is: a NATS blip delays a second, never loses it.
 */
import { createHash } from 'node:crypto';
import type { GeneratorFatal } from '../../engine/generator.js';
import type { GeneratorControl, WorkerFlush } from '../../engine/protocol.js';

/** The agent protocol's version: a controller and an agent with different ones refuse each other. */
export const AGENT_PROTOCOL_VERSION = 1;

export const SUBJECTS = {
  discover: 'volley.pool.discover',
  command: (agentId: string): string => `volley.agent.${agentId}.cmd`,
  controllerBeat: (runId: string): string => `volley.run.${runId}.beat`,
  agentBeat: (runId: string, agentId: string): string => `volley.run.${runId}.agent.${agentId}.beat`,
  report: (runId: string, agentId: string): string => `volley.run.${runId}.agent.${agentId}.report`,
};

export type AgentState = 'idle' | 'reserved' | 'running';

/** What an agent announces (discovery answers, `volley agents`). */
export interface AgentInfo {
  id: string;
  name: string;
  /** volley's version (package.json). */
  version: string;
  protocol: number;
  host: string;
  /** Cores of its machine, and the worker threads it runs a share on (its weight). */
  cores: number;
  workers: number;
  tags: Record<string, string>;
  state: AgentState;
  /** The run it is reserved for or running, if any. */
  runId: string | null;
  /** Epoch ms when it answered (its wall clock). */
  at: number;
  /** Seconds since it started. */
  uptimeS: number;
}

/** A controller's commands to one agent. Every one names the run; the agent refuses another run's. */
export type AgentCommand =
  | { type: 'reserve'; runId: string; controller: string; version: string; protocol: number }
  | { type: 'clock'; runId: string }
  /** One part of the encoded spec (see splitParts). */
  | { type: 'spec-part'; runId: string; part: number; parts: number; data: string }
  /** The spec is whole (its sha256): start the threads; the reply comes when they are ready. */
  | { type: 'init'; runId: string; sha256: string }
  /** The start instant on the agent's own clock. */
  | { type: 'start'; runId: string; runStartAtMs: number }
  | { type: 'control'; runId: string; scenario: string; change: GeneratorControl }
  | { type: 'stop'; runId: string; graceMs: number }
  /** Ends the agent's part at once (its threads are terminated) and frees it. */
  | { type: 'terminate'; runId: string };

export type CommandReply = { ok: true; agentNowMs?: number } | { ok: false; error: string };

/** What an agent reports during a run, in order (each acknowledged). */
export type AgentReport =
  | { kind: 'flush'; flush: WorkerFlush }
  | { kind: 'done'; flush: WorkerFlush }
  | { kind: 'fatal'; fatal: GeneratorFatal }
  | { kind: 'exit-refused'; code: string };

/** One report's part on the wire: `seq` orders reports, `part`/`parts` cut a large one. */
export interface ReportEnvelope {
  seq: number;
  part: number;
  parts: number;
  data: string;
}

export interface ReportAck {
  seq: number;
  part: number;
}

/** An agent's heartbeat during a run: the last second it reported, and its threads still alive. */
export interface AgentBeat {
  second: number;
  threads: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encode = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
export function decode<T>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data)) as T;
}

/** The most characters one part carries: at most 4 bytes each in UTF-8, under NATS's default 1 MB payload. */
export const PART_CHARS = 192 * 1024;

/** Cuts a text into parts of at most `size` characters (at least one part). */
export function splitParts(text: string, size = PART_CHARS): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts.length ? parts : [''];
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
