/**
 * The response object both clients return. Headers arrive from llhttp and undici as a flat
 * `[name, value, name, value, …]` list; turning that into a record costs a lower-casing and an
 * object per response, which quick mode never reads, so it is done on first access.
 */
import type { HttpErrorClass, HttpResponse, HttpTimings } from './types.js';

export const EMPTY_BODY: Buffer = Buffer.alloc(0);

/** The `proto` tag's values, as k6 writes them. */
export const PROTO_H1 = 'HTTP/1.1';
export const PROTO_H2 = 'HTTP/2.0';

/** Microseconds on the monotonic clock (`performance.now()`). */
export function nowUs(): number {
  return performance.now() * 1000;
}

export function zeroTimings(): HttpTimings {
  return {
    blockedUs: 0,
    connectingUs: 0,
    tlsUs: 0,
    sendingUs: 0,
    waitingUs: 0,
    receivingUs: 0,
    durationUs: 0,
  };
}

/**
 * A request's timings from its phase boundaries (µs, 0 = did not happen): sending runs from
 * `writeStartUs` to `sentUs` (unknown: the first response byte, else the end), waiting to
 * `firstByteUs`, receiving to `endUs`. No write, no phases: the time went to blocked/connecting/tls.
 */
export function exchangeTimings(
  blockedUs: number,
  connectingUs: number,
  tlsUs: number,
  writeStartUs: number,
  sentUs: number,
  firstByteUs: number,
  endUs: number,
): HttpTimings {
  let sendingUs = 0;
  let waitingUs = 0;
  let receivingUs = 0;
  if (writeStartUs > 0) {
    let sent = sentUs > 0 ? sentUs : firstByteUs > 0 ? firstByteUs : endUs;
    if (firstByteUs > 0 && sent > firstByteUs) sent = firstByteUs;
    sendingUs = sent - writeStartUs;
    if (firstByteUs > 0) {
      waitingUs = firstByteUs - sent;
      receivingUs = endUs - firstByteUs;
    } else {
      waitingUs = endUs - sent;
    }
  }
  return {
    blockedUs,
    connectingUs,
    tlsUs,
    sendingUs,
    waitingUs,
    receivingUs,
    durationUs: sendingUs + waitingUs + receivingUs,
  };
}

type RawHeaderList = readonly (string | Buffer)[];

function headersFromRaw(raw: RawHeaderList): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = String(raw[i]).toLowerCase();
    const value = String(raw[i + 1]);
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (typeof prev === 'string') out[name] = [prev, value];
    else prev.push(value);
  }
  return out;
}

export class VolleyHttpResponse implements HttpResponse {
  status: number;
  body: Buffer;
  timings: HttpTimings;
  bytesSent: number;
  bytesReceived: number;
  declare error?: { class: HttpErrorClass; message: string };
  declare proto?: string;
  /** Flat header list as received; `headers` is built from it on first access. */
  rawHeaders: RawHeaderList;
  #headers: Record<string, string | string[]> | undefined = undefined;

  constructor(
    status: number,
    rawHeaders: RawHeaderList,
    body: Buffer,
    timings: HttpTimings,
    bytesSent: number,
    bytesReceived: number,
  ) {
    this.status = status;
    this.rawHeaders = rawHeaders;
    this.body = body;
    this.timings = timings;
    this.bytesSent = bytesSent;
    this.bytesReceived = bytesReceived;
  }

  get headers(): Record<string, string | string[]> {
    if (this.#headers === undefined) this.#headers = headersFromRaw(this.rawHeaders);
    return this.#headers;
  }

  set headers(value: Record<string, string | string[]>) {
    this.#headers = value;
  }

  /** Keeps `JSON.stringify(response)` complete although `headers` is an accessor. */
  toJSON(): HttpResponse {
    const out: HttpResponse = {
      status: this.status,
      headers: this.headers,
      body: this.body,
      timings: this.timings,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
    };
    if (this.error !== undefined) out.error = this.error;
    if (this.proto !== undefined) out.proto = this.proto;
    return out;
  }
}

export function failedResponse(
  errorClass: HttpErrorClass,
  message: string,
  timings: HttpTimings,
  bytesSent: number,
  bytesReceived: number,
): VolleyHttpResponse {
  const res = new VolleyHttpResponse(0, [], EMPTY_BODY, timings, bytesSent, bytesReceived);
  res.error = { class: errorClass, message };
  return res;
}
