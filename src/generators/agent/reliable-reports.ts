/**
 * An agent's reports reach the controller in order, each exactly once, through NATS blips: the
 * agent sends one part at a time and resends it until the controller acknowledges it (a request
 * that times out while NATS reconnects is simply sent again); the controller acknowledges every
 * part, drops the copies it already has, and delivers a report when all its parts are in.
 */
import type { NatsConnection, Subscription } from 'nats';
import { decode, encode, splitParts, type AgentReport, type ReportAck, type ReportEnvelope } from './wire.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface SenderTimings {
  /** A part not acknowledged within this long is sent again. */
  ackTimeoutMs: number;
  /** Pause before resending after a failure (no responders, a closed connection). */
  retryMs: number;
}

/** The agent's side: an ordered outbox, sent one part at a time until acknowledged. */
export class ReportSender {
  private readonly queue: string[] = [];
  private seq = 0;
  private pumping = false;
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly timings: SenderTimings = { ackTimeoutMs: 2000, retryMs: 250 },
  ) {}

  /** Reports waiting for their acknowledgement. */
  get pending(): number {
    return this.queue.length;
  }

  send(report: AgentReport): void {
    if (this.closed) return;
    this.queue.push(JSON.stringify(report));
    void this.pump();
  }

  /** Resolves when every report sent so far is acknowledged (or the sender is closed). */
  drained(): Promise<void> {
    if (this.queue.length === 0 || this.closed) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  /** Stops sending; what is not acknowledged yet is dropped (the controller is gone). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.release();
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const parts = splitParts(this.queue[0] as string);
        for (let part = 0; part < parts.length && !this.closed;) {
          const envelope: ReportEnvelope = {
            seq: this.seq,
            part,
            parts: parts.length,
            data: parts[part] as string,
          };
          try {
            const reply = await this.nc.request(this.subject, encode(envelope), {
              timeout: this.timings.ackTimeoutMs,
            });
            const ack = decode<ReportAck>(reply.data);
            if (ack.seq === this.seq && ack.part === part) part++;
          } catch {
            await sleep(this.timings.retryMs);
          }
        }
        if (this.closed) break;
        this.queue.shift();
        this.seq++;
      }
    } finally {
      this.pumping = false;
      if (this.queue.length === 0 || this.closed) this.release();
    }
  }
}

/** The controller's side: acknowledges every part, assembles reports, delivers each once, in order. */
export class ReportReceiver {
  private nextSeq = 0;
  private parts: (string | undefined)[] = [];
  private readonly sub: Subscription;
  /** Copies received again (resent after a lost acknowledgement): counted, never delivered. */
  duplicates = 0;

  constructor(nc: NatsConnection, subject: string, deliver: (report: AgentReport) => void) {
    this.sub = nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        let env: ReportEnvelope;
        try {
          env = decode<ReportEnvelope>(msg.data);
        } catch {
          return;
        }
        const ack: ReportAck = { seq: env.seq, part: env.part };
        if (env.seq < this.nextSeq) {
          this.duplicates++;
          msg.respond(encode(ack));
          return;
        }
        // The sender sends one report at a time, so only the next one can arrive.
        if (env.seq > this.nextSeq) return;
        if (this.parts[env.part] !== undefined) this.duplicates++;
        this.parts[env.part] = env.data;
        msg.respond(encode(ack));
        let whole = this.parts.length === env.parts;
        for (let i = 0; whole && i < env.parts; i++) if (this.parts[i] === undefined) whole = false;
        if (!whole) return;
        const text = this.parts.join('');
        this.parts = [];
        this.nextSeq++;
        deliver(JSON.parse(text) as AgentReport);
      },
    });
  }

  close(): void {
    this.sub.unsubscribe();
  }
}
