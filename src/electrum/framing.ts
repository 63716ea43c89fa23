/**
 * JSON-RPC 2.0 as ElectrumX (aiorpcX) speaks it: newline framing with the MAX_RECV rule,
 * message decoding, dialect detection (strict 2.0, 1.0, or loose), request validation with
 * aiorpcX's error texts, and compact serialisation of responses and notifications
 * (docs/protocol.md, "JSON-RPC").
 */
import { concatBytes } from "../chain/bytes.ts";
import { ErrorCode, RpcError } from "./errors.ts";
import { pythonRepr, pythonStr } from "./python.ts";

const NEWLINE = 0x0a;

/** What a {@link LineFramer} found in a chunk. */
export type FramerEvent =
  | { type: "message"; data: Uint8Array }
  | { type: "oversize"; size: number };

/**
 * Splits a byte stream into newline-terminated messages. A message longer than `maxSize`
 * bytes is dropped, with everything up to the next newline, and reported as "oversize" (the
 * stream resynchronises at that newline). Whitespace-only lines are skipped.
 */
export class LineFramer {
  #parts: Uint8Array[] = [];
  #size = 0;
  /** Discarding bytes of an oversized message until the next newline. */
  #skipping = false;

  constructor(readonly maxSize: number) {}

  /** Bytes of an unfinished message held. */
  get pending(): number {
    return this.#size;
  }

  /** Feeds a chunk; returns the complete messages and oversize reports it finished. */
  push(chunk: Uint8Array): FramerEvent[] {
    const events: FramerEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline < 0 ? chunk.length : newline;
      if (this.#skipping) {
        if (newline < 0) return events;
        this.#skipping = false;
        start = newline + 1;
        continue;
      }
      const piece = chunk.subarray(start, end);
      if (this.#size + piece.length > this.maxSize) {
        events.push({ type: "oversize", size: this.#size + piece.length });
        this.#parts = [];
        this.#size = 0;
        if (newline < 0) {
          this.#skipping = true;
          return events;
        }
        start = newline + 1;
        continue;
      }
      if (newline < 0) {
        // Copy: the caller reuses its read buffer.
        this.#parts.push(piece.slice());
        this.#size += piece.length;
        return events;
      }
      let data: Uint8Array;
      if (this.#parts.length === 0) {
        data = piece.slice();
      } else {
        data = new Uint8Array(this.#size + piece.length);
        let offset = 0;
        for (const part of this.#parts) {
          data.set(part, offset);
          offset += part.length;
        }
        data.set(piece, offset);
        this.#parts = [];
        this.#size = 0;
      }
      if (!isBlank(data)) events.push({ type: "message", data });
      start = newline + 1;
    }
    return events;
  }
}

function isBlank(data: Uint8Array): boolean {
  for (const byte of data) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d && byte !== 0x0a) return false;
  }
  return true;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Extra cost of a message that does not parse (docs/sessions.md, "What costs"). */
export const PARSE_ERROR_EXTRA_COST = 1000;

/** Decodes one message's bytes (or a WebSocket text frame) into a JSON value. */
export function decodeMessage(data: Uint8Array | string): unknown {
  let text: string;
  if (typeof data === "string") {
    text = data;
  } else {
    try {
      text = UTF8.decode(data);
    } catch {
      throw new RpcError(ErrorCode.PARSE_ERROR, "messages must be encoded in UTF-8", {
        extraCost: PARSE_ERROR_EXTRA_COST,
      });
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new RpcError(ErrorCode.PARSE_ERROR, "invalid JSON", {
      extraCost: PARSE_ERROR_EXTRA_COST,
    });
  }
}

/**
 * The JSON-RPC dialect of a connection, fixed by its first message: `"jsonrpc":"2.0"` →
 * strict 2.0 (every later message must say so), `"1.0"` → 1.0 (no batches), absent → loose.
 */
export type Dialect = "2.0" | "1.0" | "loose";

/** Detects the dialect from the first decoded message (a batch by its first object). */
export function detectDialect(payload: unknown): Dialect {
  const first = Array.isArray(payload) ? payload.find(isObject) : payload;
  if (!isObject(first)) return "loose";
  const version = first.jsonrpc;
  if (version === "2.0") return "2.0";
  if (version === "1.0") return "1.0";
  return "loose";
}

/** A request id as JSON-RPC allows it (aiorpcX also lets booleans through, as Python ints). */
export type RequestId = string | number | boolean | null;

/** A validated request or notification. */
export interface Request {
  method: string;
  /** Positional or named arguments; `[]` when absent. */
  params: unknown[] | Record<string, unknown>;
  /** Undefined for a notification (no answer is sent). */
  id?: RequestId;
}

/** Why an item is not a valid request, and the id to answer with. */
export interface BadRequest {
  error: RpcError;
  /** The id to answer with; undefined means the item was a notification (no answer). */
  id?: RequestId;
}

/** An incoming item that is a response rather than a request (we never send requests). */
export interface StrayResponse {
  stray: true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function validId(id: unknown): id is RequestId {
  return id === null || typeof id === "string" || typeof id === "boolean" ||
    (typeof id === "number" && Number.isInteger(id));
}

/** Validates one item of a message (the message itself, or a batch member). */
export function parseRequest(
  item: unknown,
  dialect: Dialect,
): Request | BadRequest | StrayResponse {
  if (!isObject(item)) {
    return { error: invalidRequest("request object must be a dictionary"), id: null };
  }
  const hasId = "id" in item;
  const rawId = item.id;
  // JSON-RPC 1.0 (and the loose dialect) sends notifications with "id": null.
  const notification = !hasId || (dialect !== "2.0" && rawId === null);
  const answerId: RequestId | undefined = notification ? undefined : validId(rawId) ? rawId : null;
  if (dialect === "2.0" && item.jsonrpc !== "2.0") {
    return { error: invalidRequest('"jsonrpc" is not "2.0"'), id: answerId ?? null };
  }
  if (!("method" in item) && ("result" in item || "error" in item)) return { stray: true };
  if (!notification && !validId(rawId)) {
    return { error: invalidRequest(`invalid "id": ${pythonRepr(rawId)}`), id: null };
  }
  const method = item.method;
  if (typeof method !== "string") {
    return {
      error: new RpcError(ErrorCode.METHOD_NOT_FOUND, "method must be a string"),
      id: answerId,
    };
  }
  const params = "params" in item ? item.params : [];
  if (!Array.isArray(params) && !isObject(params)) {
    return {
      error: new RpcError(
        ErrorCode.INVALID_ARGS,
        `invalid request arguments: ${pythonStr(params)}`,
      ),
      id: answerId,
    };
  }
  return notification ? { method, params } : { method, params, id: answerId };
}

function invalidRequest(message: string): RpcError {
  return new RpcError(ErrorCode.INVALID_REQUEST, message);
}

/** True for a {@link BadRequest}. */
export function isBadRequest(value: Request | BadRequest | StrayResponse): value is BadRequest {
  return "error" in value;
}

/** True for a {@link StrayResponse}. */
export function isStray(value: Request | BadRequest | StrayResponse): value is StrayResponse {
  return "stray" in value;
}

/** A result already serialised (a large answer cached as text), sent as is. */
export class JsonText {
  constructor(readonly text: string) {}
}

/**
 * A result already serialised and encoded: UTF-8 pieces sent in order. A large cached
 * answer (a heavy script's history) is then neither serialised nor encoded again.
 */
export class JsonBytes {
  constructor(readonly parts: Uint8Array[]) {}
}

const ENCODER = new TextEncoder();
const RESULT_PREFIX = ENCODER.encode('{"jsonrpc":"2.0","result":');

/** `{"jsonrpc":"2.0","result":...,"id":...}`, as bytes for a {@link JsonBytes} result. */
export function resultMessage(id: RequestId, result: unknown): string | Uint8Array {
  if (result instanceof JsonBytes) {
    const suffix = ENCODER.encode(`,"id":${JSON.stringify(id)}}`);
    return concatBytes(RESULT_PREFIX, ...result.parts, suffix);
  }
  const json = result instanceof JsonText ? result.text : JSON.stringify(result ?? null);
  return `{"jsonrpc":"2.0","result":${json},"id":${JSON.stringify(id)}}`;
}

/** `{"jsonrpc":"2.0","error":{"code":C,"message":"..."},"id":...}`. */
export function errorText(id: RequestId | undefined, error: RpcError): string {
  return `{"jsonrpc":"2.0","error":${JSON.stringify(error.toJSON())},"id":${
    JSON.stringify(id ?? null)
  }}`;
}

/** `{"jsonrpc":"2.0","method":"...","params":[...]}`. */
export function notificationText(method: string, params: unknown[]): string {
  return `{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`;
}

/**
 * -32600 `response too large (over 8,100,000 bytes)`. Upstream omits the closing parenthesis;
 * we fix it (clients match the code, not the text; docs/compatibility.md).
 */
export function responseTooLarge(maxSend: number): RpcError {
  return new RpcError(
    ErrorCode.INVALID_REQUEST,
    `response too large (over ${maxSend.toLocaleString("en-US")} bytes)`,
    { counts: false },
  );
}
