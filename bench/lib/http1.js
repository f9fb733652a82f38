'use strict';
// The smallest HTTP/1.1 client side the open-loop generator needs: the request bytes built once
// and written as they are for every request, and a response parser for one keep-alive connection
// with one request in flight (no pipelining). It reads the status line, Content-Length or chunked
// transfer coding and Connection: close, and nothing else, because the generator shares the two
// cores with what it measures and a full client (node:http, fetch) costs several times more per
// request.

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');
/** Longest response head accepted (status line + headers). */
const MAX_HEAD = 16 * 1024;

/** The bytes of one `POST` with a JSON body to `url` (http only), with `headers` added. */
function buildRequest(url, headers, body) {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`only http:// targets, not ${u.protocol}`);
  const payload = Buffer.from(body, 'utf8');
  const lines = [
    `POST ${u.pathname}${u.search} HTTP/1.1`,
    `host: ${u.host}`,
    'content-type: application/json',
    `content-length: ${payload.length}`,
  ];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

const HEAD = 0;
const BODY = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_END = 4;
const TRAILER = 5;
const IDLE = 6;

const ERRORS = Buffer.from('"errors"');

/**
 * Parses the responses of one connection. `onResponse(status, errorsSeen, body, close)` is called
 * once per complete response: `errorsSeen` whether the body contains `"errors"` (scanned in place;
 * a match split across two reads is missed), `body` the whole body as a Buffer when expect(true)
 * asked for it (else null), `close` whether the server said Connection: close. feed() may be given
 * a buffer the caller reuses afterwards (node:net's `onread`): what is kept past it is copied. A
 * malformed response throws from feed().
 */
class ResponseParser {
  constructor(onResponse) {
    this.onResponse = onResponse;
    this.state = IDLE;
    this.partial = null;
    this.pieces = null;
    this.errors = false;
  }

  /** A request was written: the next bytes are its response; `keepBody`: hand its body over. */
  expect(keepBody) {
    this.state = HEAD;
    this.pieces = keepBody ? [] : null;
    this.errors = false;
    this.remaining = 0;
  }

  feed(chunk) {
    const buf = this.partial ? Buffer.concat([this.partial, chunk]) : chunk;
    this.partial = null;
    let i = 0;
    while (i < buf.length) {
      switch (this.state) {
        case HEAD: {
          const end = buf.indexOf(CRLFCRLF, i);
          if (end < 0) return this.keep(buf, i);
          this.head(buf.latin1Slice(i, end));
          i = end + 4;
          if (this.chunked) this.state = CHUNK_SIZE;
          else if (this.remaining > 0) this.state = BODY;
          else this.finish();
          break;
        }
        case BODY:
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, buf.length - i);
          if (this.pieces) this.pieces.push(Buffer.from(buf.subarray(i, i + n)));
          else if (!this.errors) {
            const k = buf.indexOf(ERRORS, i);
            this.errors = k >= 0 && k + ERRORS.length <= i + n;
          }
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.state === BODY) this.finish();
            else {
              this.state = CHUNK_END;
              this.remaining = 2;
            }
          }
          break;
        }
        case CHUNK_END: {
          const n = Math.min(this.remaining, buf.length - i);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = CHUNK_SIZE;
          break;
        }
        case CHUNK_SIZE:
        case TRAILER: {
          const end = buf.indexOf(CRLF, i);
          if (end < 0) return this.keep(buf, i);
          if (this.state === TRAILER) {
            const empty = end === i;
            i = end + 2;
            if (empty) this.finish();
            break;
          }
          // parseInt stops at a chunk extension (";…").
          const size = parseInt(buf.latin1Slice(i, end), 16);
          if (!Number.isFinite(size)) throw new Error('bad chunk size');
          i = end + 2;
          if (size === 0) this.state = TRAILER;
          else {
            this.remaining = size;
            this.state = CHUNK_DATA;
          }
          break;
        }
        default:
          throw new Error(`${buf.length - i} bytes with no request in flight`);
      }
    }
  }

  /** An incomplete head or line: keep a copy of the rest until more arrives. */
  keep(buf, i) {
    if (buf.length - i > MAX_HEAD) throw new Error('response head or chunk line too long');
    this.partial = Buffer.from(buf.subarray(i));
  }

  head(text) {
    this.status = Number(text.slice(9, 12));
    if (!text.startsWith('HTTP/1.') || !(this.status >= 100)) throw new Error(`not an HTTP/1.x response: ${text.slice(0, 40)}`);
    const lower = text.toLowerCase();
    this.close = /\r\nconnection:[^\r]*close/.test(lower);
    this.chunked = /\r\ntransfer-encoding:[^\r]*chunked/.test(lower);
    if (!this.chunked) {
      const m = /\r\ncontent-length:\s*(\d+)/.exec(lower);
      // Read-until-close bodies are not supported: every server measured here uses keep-alive.
      if (!m) throw new Error('response with neither content-length nor chunked coding');
      this.remaining = Number(m[1]);
    }
  }

  finish() {
    this.state = IDLE;
    const body = this.pieces ? Buffer.concat(this.pieces) : null;
    this.pieces = null;
    this.onResponse(this.status, this.errors, body, this.close);
  }
}

module.exports = { buildRequest, ResponseParser };
