/** Base58 against Bitcoin Core's base58_encode_decode vectors, and Base58Check addresses. */
import assert from "node:assert/strict";
import {
  base58CheckDecode,
  base58CheckEncode,
  base58Decode,
  base58Encode,
} from "../../src/chain/base58.ts";
import { DecodeError, fromHex, toHex } from "../../src/chain/bytes.ts";

const VECTORS: [string, string][] = [
  ["", ""],
  ["61", "2g"],
  ["626262", "a3gV"],
  ["636363", "aPEr"],
  ["73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"],
  ["00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"],
  ["516b6fcd0f", "ABnLTmg"],
  ["bf4f89001e670274dd", "3SEo3LWLoPntC"],
  ["572e4794", "3EFU7m"],
  ["ecac89cad93923c02321", "EJDM8drfXA6uyA"],
  ["10c8511e", "Rt5zm"],
  ["00000000000000000000", "1111111111"],
  [
    "000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5",
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
  ],
];

const GENESIS_HASH160 = "62e907b15cbf27d5425399ebf6f0fb50ebb88f18";

Deno.test("base58 encodes and decodes Bitcoin Core's vectors", () => {
  for (const [hex, text] of VECTORS) {
    assert.equal(base58Encode(fromHex(hex)), text, hex);
    assert.equal(toHex(base58Decode(text)), hex, text);
  }
});

Deno.test("each leading zero byte is a leading 1, and back", () => {
  assert.equal(base58Encode(Uint8Array.of(0, 0, 1)), "112");
  assert.deepEqual(base58Decode("112"), Uint8Array.of(0, 0, 1));
  assert.deepEqual(base58Decode("1"), Uint8Array.of(0));
});

Deno.test("base58check: version byte, hash and checksum of real addresses", () => {
  const cases: [number, string][] = [
    [0x00, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"],
    [0x05, "3Ai1JZ8pdJb2ksieUV8FsxSNVJCpoPi8W6"],
    [0x6f, "mpXwg4jMtRhuSpVq4xS3HFHmCmWp9NyGKt"],
    [0xc4, "2N2GDNJ4rEm6NxfMC9ck8VuRdheQzXWaNZv"],
  ];
  for (const [version, address] of cases) {
    const payload = base58CheckDecode(address);
    assert.equal(payload[0], version, address);
    assert.equal(toHex(payload.subarray(1)), GENESIS_HASH160, address);
    assert.equal(base58CheckEncode(payload), address);
  }
});

Deno.test("base58 rejects characters outside the alphabet, naming them", () => {
  for (
    const [text, bad, at] of [["10OI", "0", 1], ["abcl", "l", 3], ["I", "I", 0], ["é", "é", 0]]
  ) {
    assert.throws(
      () => base58Decode(text as string),
      (error: Error) =>
        error instanceof DecodeError &&
        error.message.includes(`invalid base58 character "${bad}" at position ${at}`),
      text as string,
    );
  }
});

Deno.test("base58check rejects a mistyped address and one too short for a checksum", () => {
  assert.throws(
    () => base58CheckDecode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"),
    (error: Error) =>
      error instanceof DecodeError && /bad base58check checksum/.test(error.message),
  );
  // Two characters swapped.
  assert.throws(() => base58CheckDecode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivNfa"), DecodeError);
  assert.throws(
    () => base58CheckDecode("2g"),
    (error: Error) => error instanceof DecodeError && /too short/.test(error.message),
  );
});
