/**
 * Counts the complete requests in the byte stream of one connection, as the raw HTTP/1.1 client
 * frames them (request-head.ts: a head, then exactly `content-length` body bytes; never chunked).
 * The rehearsal's stand-in answers with it (rehearsal.ts): no parser, no objects per request.
 */
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const LENGTH = /\r\ncontent-length:[ \t]*(\d+)[ \t]*\r\n/i;
const CHUNKED = /\r\ntransfer-encoding:/i;

export class RequestCounter {
  /** The start of a head still incomplete at the end of the last chunk. */
  private partial: Buffer | undefined;
  /** Body bytes of the current request still to come. */
  private bodyLeft = 0;

  /**
   * Feeds a chunk; returns how many requests it completed. Throws on a head it cannot frame (a
   * transfer-encoding): the caller closes the connection.
   */
  push(chunk: Buffer): number {
    let buf = chunk;
    if (this.partial !== undefined) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    let at = 0;
    let done = 0;
    while (at < buf.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, buf.length - at);
        this.bodyLeft -= take;
        at += take;
        if (this.bodyLeft === 0) done++;
        continue;
      }
      const end = buf.indexOf(HEAD_END, at);
      if (end < 0) {
        this.partial = Buffer.from(buf.subarray(at));
        break;
      }
      // The head's end, the CRLF before the blank line included, so a last header matches too.
      const head = buf.toString('latin1', at, end + 2);
      if (CHUNKED.test(head))
        throw new Error('a chunked request: the counter frames content-length bodies only');
      const length = Number(LENGTH.exec(head)?.[1] ?? 0);
      at = end + HEAD_END.length;
      if (length > 0) this.bodyLeft = length;
      else done++;
    }
    return done;
  }
}
