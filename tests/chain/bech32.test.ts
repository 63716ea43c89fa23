/** Bech32 and bech32m against every test vector of BIP 173 and BIP 350. */
import assert from "node:assert/strict";
import {
  bech32Decode,
  bech32Encode,
  decodeSegwitAddress,
  encodeSegwitAddress,
} from "../../src/chain/bech32.ts";
import { DecodeError, toHex } from "../../src/chain/bytes.ts";

/** BIP 173 "valid Bech32" strings. */
const VALID_BECH32 = [
  "A12UEL5L",
  "a12uel5l",
  "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
  "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
  "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
  "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
  "?1ezyfcl",
];

/** BIP 350 "valid Bech32m" strings. */
const VALID_BECH32M = [
  "A1LQFN3A",
  "a1lqfn3a",
  "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
  "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
  "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
  "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
  "?1v759aa",
];

/** BIP 173 and BIP 350 invalid strings, with the reason each BIP gives and our message. */
const INVALID_STRINGS: [string, string, RegExp][] = [
  ["\x201nwldj5", "HRP character out of range", /invalid character U\+0020 at position 0/],
  ["\x7f1axkwrx", "HRP character out of range", /invalid character U\+007f/],
  ["\x801eym55h", "HRP character out of range", /invalid character U\+0080/],
  [
    "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
    "overall max length exceeded",
    /91 characters long, at most 90/,
  ],
  ["pzry9x0s0muk", "No separator character", /no separator/],
  ["1pzry9x0s0muk", "Empty HRP", /empty human-readable part/],
  ["x1b4n0q5v", "Invalid data character", /invalid bech32 character "b" at position 2/],
  ["li1dgmt3", "Too short checksum", /truncated/],
  ["de1lg7wt\xff", "Invalid character in checksum", /invalid character U\+00ff/],
  ["A1G7SGD8", "checksum calculated with uppercase form of HRP", /bad bech32 checksum/],
  ["10a06t8", "empty HRP", /empty human-readable part/],
  ["1qzzfhee", "empty HRP", /empty human-readable part/],
  ["\x201xj0phk", "HRP character out of range", /invalid character U\+0020/],
  ["\x7f1g6xzxy", "HRP character out of range", /invalid character U\+007f/],
  ["\x801vctc34", "HRP character out of range", /invalid character U\+0080/],
  [
    "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
    "overall max length exceeded",
    /at most 90/,
  ],
  ["qyrz8wqd2c9m", "No separator character", /no separator/],
  ["1qyrz8wqd2c9m", "Empty HRP", /empty human-readable part/],
  ["y1b0jsk6g", "Invalid data character", /invalid bech32 character "b"/],
  ["lt1igcx5c0", "Invalid data character", /invalid bech32 character "i"/],
  ["in1muywd", "Too short checksum", /truncated/],
  ["mm1crxm3i", "Invalid character in checksum", /invalid bech32 character "i"/],
  ["au1s5cgom", "Invalid character in checksum", /invalid bech32 character "o"/],
  ["M1VUXWEZ", "checksum calculated with uppercase form of HRP", /bad bech32 checksum/],
  ["16plkw9", "empty HRP", /empty human-readable part/],
  ["1p2gdwpf", "empty HRP", /empty human-readable part/],
];

/** BIP 350's valid segwit addresses (which include BIP 173's v0 ones) and their scripts. */
const VALID_ADDRESSES: [string, string][] = [
  ["BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"],
  [
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
    "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
  ],
  [
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
    "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
  ],
  ["BC1SW50QGDZ25J", "6002751e"],
  ["bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"],
  [
    "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
    "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
  ],
  [
    "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
    "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
  ],
  [
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
    "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
  ],
];

/**
 * Invalid segwit addresses of BIP 350, then BIP 173's (its v1+ examples used bech32, which
 * BIP 350 made invalid). "Invalid human-readable part" is the caller's check (address.test.ts).
 */
const INVALID_ADDRESSES: [string, RegExp][] = [
  [
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
    /v1 address has a bech32 checksum, but v1 requires bech32m/,
  ],
  [
    "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
    /v2 address has a bech32 checksum/,
  ],
  [
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
    /v16 address has a bech32 checksum/,
  ],
  [
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
    /v0 address has a bech32m checksum, but v0 requires bech32/,
  ],
  [
    "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
    /v0 address has a bech32m checksum/,
  ],
  [
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
    /invalid bech32 character "o"/,
  ],
  [
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
    /invalid witness version 17/,
  ],
  ["bc1pw5dgrnzv", /invalid witness program length 1 bytes/],
  [
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
    /invalid witness program length 41 bytes/,
  ],
  ["BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", /invalid witness v0 program length 16 bytes/],
  [
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
    /mixes upper and lower case/,
  ],
  [
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
    /more than 4 bits of padding/,
  ],
  [
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
    /non-zero padding/,
  ],
  ["bc1gmk9yu", /no witness version/],
  ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", /bad bech32 checksum/],
  ["BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", /invalid witness version 17/],
  ["bc1rw5uspcuh", /invalid witness program length 1 bytes/],
  [
    "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
    /invalid witness program length 41 bytes/,
  ],
  [
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7",
    /mixes upper and lower case/,
  ],
  ["bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", /more than 4 bits of padding/],
  [
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv",
    /non-zero padding/,
  ],
  [
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
    /v1 address has a bech32 checksum/,
  ],
  ["BC1SW50QA3JX3S", /v16 address has a bech32 checksum/],
  ["bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj", /v2 address has a bech32 checksum/],
];

Deno.test("valid bech32 strings decode as bech32 and encode back", () => {
  for (const text of VALID_BECH32) {
    const decoded = bech32Decode(text);
    assert.equal(decoded.encoding, "bech32", text);
    assert.equal(bech32Encode(decoded), text.toLowerCase());
  }
  assert.equal(bech32Decode("A12UEL5L").hrp, "a");
  assert.equal(bech32Decode("?1ezyfcl").hrp, "?");
  assert.equal(bech32Decode("A12UEL5L").data.length, 0);
});

Deno.test("valid bech32m strings decode as bech32m and encode back", () => {
  for (const text of VALID_BECH32M) {
    const decoded = bech32Decode(text);
    assert.equal(decoded.encoding, "bech32m", text);
    assert.equal(bech32Encode(decoded), text.toLowerCase());
  }
  assert.equal(
    toHex(bech32Decode("abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx").data),
    "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100",
  );
});

Deno.test("invalid bech32 and bech32m strings are refused with the reason", () => {
  for (const [text, reason, message] of INVALID_STRINGS) {
    assert.throws(
      () => bech32Decode(text),
      (error: Error) => error instanceof DecodeError && message.test(error.message),
      `${JSON.stringify(text)}: ${reason}`,
    );
  }
});

Deno.test("valid segwit addresses decode to their program and encode back", () => {
  for (const [address, script] of VALID_ADDRESSES) {
    const decoded = decodeSegwitAddress(address);
    assert.equal(decoded.hrp, address.slice(0, 2).toLowerCase());
    const opcode = decoded.version === 0 ? 0 : 0x50 + decoded.version;
    const rebuilt = toHex(Uint8Array.of(opcode, decoded.program.length, ...decoded.program));
    assert.equal(rebuilt, script, address);
    assert.equal(encodeSegwitAddress(decoded), address.toLowerCase());
  }
});

Deno.test("invalid segwit addresses are refused with the reason", () => {
  for (const [address, message] of INVALID_ADDRESSES) {
    assert.throws(
      () => decodeSegwitAddress(address),
      (error: Error) => error instanceof DecodeError && message.test(error.message),
      address,
    );
  }
});

Deno.test("the segwit encoder refuses programs no address can hold", () => {
  const program20 = new Uint8Array(20);
  assert.throws(
    () => encodeSegwitAddress({ hrp: "bc", version: 17, program: program20 }),
    RangeError,
  );
  assert.throws(
    () => encodeSegwitAddress({ hrp: "bc", version: 0, program: new Uint8Array(21) }),
    /v0 program length 21/,
  );
  assert.throws(
    () => encodeSegwitAddress({ hrp: "bc", version: 1, program: new Uint8Array(41) }),
    /length 41/,
  );
  assert.throws(
    () => bech32Encode({ hrp: "", data: new Uint8Array(), encoding: "bech32" }),
    /hrp must not be empty/,
  );
  assert.throws(
    () => bech32Encode({ hrp: "bc", data: Uint8Array.of(32), encoding: "bech32" }),
    /not a 5-bit value/,
  );
  assert.throws(
    () => bech32Encode({ hrp: "a".repeat(84), data: new Uint8Array(), encoding: "bech32" }),
    /91 characters, at most 90/,
  );
  // The upper limit itself is fine.
  assert.equal(
    bech32Encode({ hrp: "a".repeat(83), data: new Uint8Array(), encoding: "bech32" }).length,
    90,
  );
});
