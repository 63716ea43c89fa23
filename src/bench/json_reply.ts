/**
 * JSON-RPC replies as bytes, with a fast path for raw data shown as hex (getblock verbosity 0,
 * getrawtransaction): hex digits are written straight into the reply, two at a time, instead of
 * building a string for every block and encoding it again (Buffer#toString("hex") alone takes
 * ten times longer than this whole path).
 */

/** Bytes to be read only when the reply is written (e.g. a block from disk). */
export interface LazyBytes {
  length: number;
  /** Copies the bytes into `into` (exactly `length` bytes long). */
  read(into: Uint8Array): void;
}

/**
 * A result sent as a JSON string of the hex digits of some bytes. Lazy bytes are read only
 * while the reply is written, into scratch memory the server can reuse for every block.
 */
export class HexResult {
  constructor(readonly source: Uint8Array | LazyBytes) {}
}

/** A JSON-RPC error object. */
export interface RpcErrorObject {
  code: number;
  message: string;
}

/** One reply: a result or an error, in the dialect the request used. */
export interface RpcReply {
  id: unknown;
  result?: unknown;
  error?: RpcErrorObject;
  /** JSON-RPC 2.0 (no `error: null` on success, no `result: null` on error). */
  v2: boolean;
}

/** Two ASCII hex digits per byte value, in memory order, readable as one 16-bit word. */
const HEX_PAIRS = (() => {
  const words = new Uint16Array(256);
  const bytes = new Uint8Array(words.buffer);
  const digits = "0123456789abcdef";
  for (let i = 0; i < 256; i++) {
    bytes[2 * i] = digits.charCodeAt(i >> 4);
    bytes[2 * i + 1] = digits.charCodeAt(i & 15);
  }
  return words;
})();

const encoder = new TextEncoder();
const SPACE = 0x20;
const QUOTE = 0x22;

type Piece = Uint8Array | HexResult;

/** The pieces of one reply: JSON text, with hex results left to be written in place. */
function replyPieces(reply: RpcReply, pieces: Piece[]): void {
  const id = JSON.stringify(reply.id ?? null);
  if (reply.error !== undefined) {
    const error = JSON.stringify(reply.error);
    pieces.push(encoder.encode(
      reply.v2
        ? `{"jsonrpc":"2.0","error":${error},"id":${id}}`
        : `{"result":null,"error":${error},"id":${id}}`,
    ));
    return;
  }
  const result = reply.result;
  pieces.push(encoder.encode(reply.v2 ? `{"jsonrpc":"2.0","result":` : `{"result":`));
  if (result instanceof HexResult) pieces.push(result);
  else pieces.push(encoder.encode(JSON.stringify(result ?? null)));
  pieces.push(encoder.encode(reply.v2 ? `,"id":${id}}` : `,"error":null,"id":${id}}`));
}

/** Where encodeReplies may write, so a server can reuse memory across replies. */
export interface ReplyMemory {
  /** Room for the reply: at least `size` bytes, at an even offset. */
  reply(size: number): Uint8Array;
  /** Room to read lazy bytes into; done with before the next call. */
  scratch(size: number): Uint8Array;
}

/** New memory every time. */
const FRESH_MEMORY: ReplyMemory = {
  reply: (size) => new Uint8Array(size),
  scratch: (size) => new Uint8Array(size),
};

/** The bytes of a hex result. */
function hexSource(result: HexResult, memory: ReplyMemory): Uint8Array {
  const source = result.source;
  if (source instanceof Uint8Array) return source;
  const bytes = memory.scratch(source.length).subarray(0, source.length);
  source.read(bytes);
  return bytes;
}

/** Writes `bytes` as hex from word `word` of `words`. */
function writeHex(bytes: Uint8Array, words: Uint16Array, word: number): void {
  const length = bytes.length;
  for (let i = 0; i < length; i++) words[word + i] = HEX_PAIRS[bytes[i]];
}

/** The body of a reply to one request (`replies` a single reply) or to a batch (an array). */
export function encodeReplies(
  replies: RpcReply | RpcReply[],
  memory: ReplyMemory = FRESH_MEMORY,
): Uint8Array {
  const pieces: Piece[] = [];
  const batch = Array.isArray(replies);
  for (const [i, reply] of (batch ? replies : [replies]).entries()) {
    if (batch) pieces.push(encoder.encode(i === 0 ? "[" : ","));
    replyPieces(reply, pieces);
  }
  if (batch) pieces.push(encoder.encode(replies.length === 0 ? "[]" : "]"));
  let size = 0;
  // A hex string may need one space before its opening quote to start its digits at an even
  // offset, where they can be written as 16-bit words.
  for (const piece of pieces) {
    size += piece instanceof HexResult ? 2 * piece.source.length + 3 : piece.length;
  }
  const out = memory.reply(size);
  if (out.byteOffset % 2 !== 0 || out.length < size) {
    throw new RangeError("reply buffer must be at an even offset and large enough");
  }
  const words = new Uint16Array(out.buffer, out.byteOffset, out.length >> 1);
  let at = 0;
  for (const piece of pieces) {
    if (piece instanceof HexResult) {
      if ((at & 1) === 0) out[at++] = SPACE;
      out[at++] = QUOTE;
      const bytes = hexSource(piece, memory);
      writeHex(bytes, words, at >> 1);
      at += 2 * bytes.length;
      out[at++] = QUOTE;
    } else {
      out.set(piece, at);
      at += piece.length;
    }
  }
  return out.subarray(0, at);
}

/** Bitcoin Core's RPC error codes (rpc/protocol.h) that the replay daemon uses. */
export const RPC_MISC_ERROR = -1;
export const RPC_TYPE_ERROR = -3;
export const RPC_INVALID_ADDRESS_OR_KEY = -5;
export const RPC_INVALID_PARAMETER = -8;
export const RPC_DESERIALIZATION_ERROR = -22;
export const RPC_VERIFY_ERROR = -25;
export const RPC_VERIFY_REJECTED = -26;
export const RPC_VERIFY_ALREADY_IN_CHAIN = -27;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_PARSE_ERROR = -32700;

/** An error a method reports to the client, with Bitcoin Core's code for it. */
export class RpcError extends Error {
  override name = "RpcError";

  constructor(readonly code: number, message: string) {
    super(message);
  }
}
