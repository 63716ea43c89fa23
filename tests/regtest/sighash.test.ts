/**
 * Signature hashes against published vectors: BIP 143's examples (every hash type, P2WPKH,
 * P2SH-P2WPKH, P2WSH, P2SH-P2WSH; its legacy P2PK input) and BIP 341's wallet test vectors
 * (key-path spending: sigMsg, sigHash, tweaked keys and the signatures themselves).
 */
import assert from "node:assert/strict";
import { fromHex, toHex } from "../../src/chain/bytes.ts";
import { parseTransaction, type TxOutput } from "../../src/chain/transaction.ts";
import { PrivateKey, taprootOutputKey, taprootTweak, verifyEcdsa } from "../../src/regtest/keys.ts";
import {
  legacySighash,
  SIGHASH_ALL,
  taprootSighash,
  taprootSigMsg,
  witnessV0Sighash,
  witnessV0SigMsg,
} from "../../src/regtest/sighash.ts";

/** Splits a "signature ‖ hash type" item. */
function splitSig(item: Uint8Array): { der: Uint8Array; hashType: number } {
  return { der: item.subarray(0, item.length - 1), hashType: item[item.length - 1] };
}

Deno.test("BIP 143 native P2WPKH example, with its legacy P2PK input", () => {
  const unsigned = parseTransaction(fromHex(
    "0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac11000000",
  ));
  const key = new PrivateKey(
    fromHex("619c335025c7f4012e556c2a58b2506e30b8511b53ade95ea316fd8c3286feb9"),
  );
  assert.equal(
    toHex(key.publicKey),
    "025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee6357",
  );
  const scriptCode = fromHex("76a9141d0f172a0ecb48aee1be1f2687d2963ae33f71a188ac");
  assert.equal(
    toHex(witnessV0SigMsg(unsigned, 1, scriptCode, 600_000_000, SIGHASH_ALL)),
    "0100000096b827c8483d4e9b96712b6713a7b68d6e8003a781feba36c31143470b4efd3752b0a642eea2fb7ae638c36f6252b6750293dbe574a806984b8e4d8548339a3bef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a010000001976a9141d0f172a0ecb48aee1be1f2687d2963ae33f71a188ac0046c32300000000ffffffff863ef3e1a92afbfdb97f31ad0fc7683ee943e9abcf2501590ff8f6551f47e5e51100000001000000",
  );
  const hash = witnessV0Sighash(unsigned, 1, scriptCode, 600_000_000, SIGHASH_ALL);
  assert.equal(toHex(hash), "c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670");
  // RFC 6979 signing reproduces the published signature byte for byte.
  assert.equal(
    toHex(key.signEcdsa(hash, SIGHASH_ALL)),
    "304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee01",
  );

  // The first input is a legacy P2PK spend: its signature in the published signed
  // transaction must verify against our legacy sighash.
  const signed = parseTransaction(fromHex(
    "01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee635711000000",
  ));
  const p2pkKey = new PrivateKey(
    fromHex("bbc27228ddcb9209d7fd6f36b02f7dfa6252af40bb2f1cbc7a557da8027ff866"),
  );
  const p2pkScript = fromHex(
    "2103c9f4836b9a4f77fc0d81f7bcb01b7f1b35916864b9476c241ce9fc198bd25432ac",
  );
  assert.equal(toHex(p2pkKey.publicKey), toHex(p2pkScript.subarray(1, 34)));
  const legacy = legacySighash(unsigned, 0, p2pkScript, SIGHASH_ALL);
  const scriptSig = signed.inputs[0].script;
  const { der, hashType } = splitSig(scriptSig.subarray(1, 1 + scriptSig[0]));
  assert.equal(hashType, SIGHASH_ALL);
  assert.ok(verifyEcdsa(der, legacy, p2pkKey.publicKey));
  assert.ok(!verifyEcdsa(der, hash, p2pkKey.publicKey));
  // Our signature of the same hash is valid too (and deterministic).
  const ours = p2pkKey.signEcdsa(legacy, SIGHASH_ALL);
  assert.ok(verifyEcdsa(ours.subarray(0, ours.length - 1), legacy, p2pkKey.publicKey));
  assert.deepEqual(p2pkKey.signEcdsa(legacy, SIGHASH_ALL), ours);
  // The signed witness equals the published one.
  assert.equal(toHex(signed.inputs[1].witness[0]), toHex(key.signEcdsa(hash, SIGHASH_ALL)));
});

Deno.test("BIP 143 P2SH-P2WPKH example", () => {
  const unsigned = parseTransaction(fromHex(
    "0100000001db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092ac4d3ceb1a54770100000000feffffff02b8b4eb0b000000001976a914a457b684d7f0d539a46a45bbc043f35b59d0d96388ac0008af2f000000001976a914fd270b1ee6abcaea97fea7ad0402e8bd8ad6d77c88ac92040000",
  ));
  const key = new PrivateKey(
    fromHex("eb696a065ef48a2192da5b28b694f87544b30fae8327c4510137a922f32c6dcf"),
  );
  assert.equal(toHex(key.publicKeyHash), "79091972186c449eb1ded22b78e40d009bdf0089");
  const scriptCode = fromHex(`76a914${toHex(key.publicKeyHash)}88ac`);
  assert.equal(
    toHex(witnessV0SigMsg(unsigned, 0, scriptCode, 1_000_000_000, SIGHASH_ALL)),
    "01000000b0287b4a252ac05af83d2dcef00ba313af78a3e9c329afa216eb3aa2a7b4613a18606b350cd8bf565266bc352f0caddcf01e8fa789dd8a15386327cf8cabe198db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092ac4d3ceb1a5477010000001976a91479091972186c449eb1ded22b78e40d009bdf008988ac00ca9a3b00000000feffffffde984f44532e2173ca0d64314fcefe6d30da6f8cf27bafa706da61df8a226c839204000001000000",
  );
  const hash = witnessV0Sighash(unsigned, 0, scriptCode, 1_000_000_000, SIGHASH_ALL);
  assert.equal(toHex(hash), "64f3b0f4dd2bb3aa1ce8566d220cc74dda9df97d8490cc81d89d735c92e59fb6");
  assert.equal(
    toHex(key.signEcdsa(hash, SIGHASH_ALL)),
    "3044022047ac8e878352d3ebbde1c94ce3a10d057c24175747116f8288e5d794d12d482f0220217f36a485cae903c713331d877c1f64677e3622ad4010726870540656fe9dcb01",
  );
});

Deno.test("BIP 143 native P2WSH examples: SIGHASH_SINGLE without output, SINGLE|ANYONECANPAY", () => {
  const tx1 = parseTransaction(fromHex(
    "0100000002fe3dc9208094f3ffd12645477b3dc56f60ec4fa8e6f5d67c565d1c6b9216b36e0000000000ffffffff0815cf020f013ed6cf91d29f4202e8a58726b1ac6c79da47c23d1bee0a6925f80000000000ffffffff0100f2052a010000001976a914a30741f8145e5acadf23f751864167f32e0963f788ac00000000",
  ));
  const amount = 4_900_000_000;
  const fullScript = fromHex(
    "21026dccc749adc2a9d0d89497ac511f760f45c47dc5ed9cf352a58ac706453880aeadab210255a9626aebf5e29c0e6538428ba0d1dcf6ca98ffdf086aa8ced5e0d0215ea465ac",
  );
  assert.equal(
    toHex(witnessV0Sighash(tx1, 1, fullScript, amount, 3)),
    "82dde6e4f1e94d02c2b7ad03d2115d691f48d064e9d52f58194a6637e4194391",
  );
  const afterSeparator = fromHex(
    "210255a9626aebf5e29c0e6538428ba0d1dcf6ca98ffdf086aa8ced5e0d0215ea465ac",
  );
  assert.equal(
    toHex(witnessV0SigMsg(tx1, 1, afterSeparator, amount, 3)),
    "01000000ef546acf4a020de3898d1b8956176bb507e6211b5ed3619cd08b6ea7e2a09d4100000000000000000000000000000000000000000000000000000000000000000815cf020f013ed6cf91d29f4202e8a58726b1ac6c79da47c23d1bee0a6925f80000000023210255a9626aebf5e29c0e6538428ba0d1dcf6ca98ffdf086aa8ced5e0d0215ea465ac0011102401000000ffffffff00000000000000000000000000000000000000000000000000000000000000000000000003000000",
  );
  assert.equal(
    toHex(witnessV0Sighash(tx1, 1, afterSeparator, amount, 3)),
    "fef7bd749cce710c5c052bd796df1af0d935e59cea63736268bcbe2d2134fc47",
  );

  const tx2 = parseTransaction(fromHex(
    "0100000002e9b542c5176808107ff1df906f46bb1f2583b16112b95ee5380665ba7fcfc0010000000000ffffffff80e68831516392fcd100d186b3c2c7b95c80b53c77e77c35ba03a66b429a2a1b0000000000ffffffff0280969800000000001976a914de4b231626ef508c9a74a8517e6783c0546d6b2888ac80969800000000001976a9146648a8cd4531e1ec47f35916de8e259237294d1e88ac00000000",
  ));
  const value = 16_777_215;
  assert.equal(
    toHex(
      witnessV0Sighash(
        tx2,
        0,
        fromHex(
          "0063ab68210392972e2eb617b2388771abe27235fd5ac44af8e61693261550447a4c3e39da98ac",
        ),
        value,
        0x83,
      ),
    ),
    "e9071e75e25b8a1e298a72f0d2e9f4f95a0f5cdf86a533cda597eb402ed13b3a",
  );
  assert.equal(
    toHex(
      witnessV0Sighash(
        tx2,
        1,
        fromHex("68210392972e2eb617b2388771abe27235fd5ac44af8e61693261550447a4c3e39da98ac"),
        value,
        0x83,
      ),
    ),
    "cd72f1f1a433ee9df816857fad88d8ebd97e09a75cd481583eb841c330275e54",
  );
});

Deno.test("BIP 143 P2SH-P2WSH 6-of-6 example: all six hash types", () => {
  const unsigned = parseTransaction(fromHex(
    "010000000136641869ca081e70f394c6948e8af409e18b619df2ed74aa106c1ca29787b96e0100000000ffffffff0200e9a435000000001976a914389ffce9cd9ae88dcc0631e88a821ffdbe9bfe2688acc0832f05000000001976a9147480a33f950689af511e6e84c138dbbd3c3ee41588ac00000000",
  ));
  const witnessScript = fromHex(
    "56210307b8ae49ac90a048e9b53357a2354b3334e9c8bee813ecb98e99a7e07e8c3ba32103b28f0c28bfab54554ae8c658ac5c3e0ce6e79ad336331f78c428dd43eea8449b21034b8113d703413d57761b8b9781957b8c0ac1dfe69f492580ca4195f50376ba4a21033400f6afecb833092a9a21cfdf1ed1376e58c5d1f47de74683123987e967a8f42103a6d48b1131e94ba04d9737d61acdaa1322008af9602b3b14862c07a1789aac162102d8b661b0b3302ee2f162b09e07a55ad5dfbe673a9f01d9f0c19617681024306b56ae",
  );
  const cases: [number, string, string, string][] = [
    [
      0x01,
      "185c0be5263dce5b4bb50a047973c1b6272bfbd0103a89444597dc40b248ee7c",
      "730fff80e1413068a05b57d6a58261f07551163369787f349438ea38ca80fac6",
      "304402206ac44d672dac41f9b00e28f4df20c52eeb087207e8d758d76d92c6fab3b73e2b0220367750dbbe19290069cba53d096f44530e4f98acaa594810388cf7409a1870ce01",
    ],
    [
      0x02,
      "e9733bc60ea13c95c6527066bb975a2ff29a925e80aa14c213f686cbae5d2f36",
      "11fa3d25a17cbc22b29c44a484ba552b5a53149d106d3d853e22fdd05a2d8bb3",
      "3044022068c7946a43232757cbdf9176f009a928e1cd9a1a8c212f15c1e11ac9f2925d9002205b75f937ff2f9f3c1246e547e54f62e027f64eefa2695578cc6432cdabce271502",
    ],
    [
      0x03,
      "1e1f1c303dc025bd664acb72e583e933fae4cff9148bf78c157d1e8f78530aea",
      "77bf4141a87d55bdd7f3cd0bdccf6e9e642935fec45f2f30047be7b799120661",
      "3044022059ebf56d98010a932cf8ecfec54c48e6139ed6adb0728c09cbe1e4fa0915302e022007cd986c8fa870ff5d2b3a89139c9fe7e499259875357e20fcbb15571c76795403",
    ],
    [
      0x81,
      "2a67f03e63a6a422125878b40b82da593be8d4efaafe88ee528af6e5a9955c6e",
      "14af36970f5025ea3e8b5542c0f8ebe7763e674838d08808896b63c3351ffe49",
      "3045022100fbefd94bd0a488d50b79102b5dad4ab6ced30c4069f1eaa69a4b5a763414067e02203156c6a5c9cf88f91265f5a942e96213afae16d83321c8b31bb342142a14d16381",
    ],
    [
      0x82,
      "781ba15f3779d5542ce8ecb5c18716733a5ee42a6f51488ec96154934e2c890a",
      "fe9a95c19eef81dde2b95c1284ef39be497d128e2aa46916fb02d552485e0323",
      "3045022100a5263ea0553ba89221984bd7f0b13613db16e7a70c549a86de0cc0444141a407022005c360ef0ae5a5d4f9f2f87a56c1546cc8268cab08c73501d6b3be2e1e1a8a0882",
    ],
    [
      0x83,
      "511e8e52ed574121fc1b654970395502128263f62662e076dc6baf05c2e6a99b",
      "428a7aee9f0c2af0cd19af3cf1c78149951ea528726989b2e83e4778d2c3f890",
      "30440220525406a1482936d5a21888260dc165497a90a15669636d8edca6b9fe490d309c022032af0c646a34a44d1f4576bf6a4a74b67940f8faa84c7df9abe12a01a11e2b4783",
    ],
  ];
  for (const [hashType, expected, secret, signature] of cases) {
    const hash = witnessV0Sighash(unsigned, 0, witnessScript, 987_654_321, hashType);
    assert.equal(toHex(hash), expected, `hash type 0x${hashType.toString(16)}`);
    const key = new PrivateKey(fromHex(secret));
    assert.ok(verifyEcdsa(fromHex(signature.slice(0, -2)), hash, key.publicKey));
    assert.equal(toHex(key.signEcdsa(hash, hashType)), signature);
  }
});

// BIP 341 wallet test vectors (bitcoin/bips bip-0341/wallet-test-vectors.json, also
// bitcoin/bitcoin src/test/data/bip341_wallet_vectors.json), "keyPathSpending".
const BIP341_UNSIGNED =
  "02000000097de20cbff686da83a54981d2b9bab3586f4ca7e48f57f5b55963115f3b334e9c010000000000000000d7b7cab57b1393ace2d064f4d4a2cb8af6def61273e127517d44759b6dafdd990000000000fffffffff8e1f583384333689228c5d28eac13366be082dc57441760d957275419a418420000000000fffffffff0689180aa63b30cb162a73c6d2a38b7eeda2a83ece74310fda0843ad604853b0100000000feffffffaa5202bdf6d8ccd2ee0f0202afbbb7461d9264a25e5bfd3c5a52ee1239e0ba6c0000000000feffffff956149bdc66faa968eb2be2d2faa29718acbfe3941215893a2a3446d32acd050000000000000000000e664b9773b88c09c32cb70a2a3e4da0ced63b7ba3b22f848531bbb1d5d5f4c94010000000000000000e9aa6b8e6c9de67619e6a3924ae25696bb7b694bb677a632a74ef7eadfd4eabf0000000000ffffffffa778eb6a263dc090464cd125c466b5a99667720b1c110468831d058aa1b82af10100000000ffffffff0200ca9a3b000000001976a91406afd46bcdfd22ef94ac122aa11f241244a37ecc88ac807840cb0000000020ac9a87f5594be208f8532db38cff670c450ed2fea8fcdefcc9a663f78bab962b0065cd1d";
const BIP341_SPENT: [string, number][] = [
  ["512053a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343", 420000000],
  ["5120147c9c57132f6e7ecddba9800bb0c4449251c92a1e60371ee77557b6620f3ea3", 462000000],
  ["76a914751e76e8199196d454941c45d1b3a323f1433bd688ac", 294000000],
  ["5120e4d810fd50586274face62b8a807eb9719cef49c04177cc6b76a9a4251d5450e", 504000000],
  ["512091b64d5324723a985170e4dc5a0f84c041804f2cd12660fa5dec09fc21783605", 630000000],
  ["00147dd65592d0ab2fe0d0257d571abf032cd9db93dc", 378000000],
  ["512075169f4001aa68f15bbed28b218df1d0a62cbbcf1188c6665110c293c907b831", 672000000],
  ["5120712447206d7a5238acc7ff53fbe94a3b64539ad291c7cdbc490b7577e4b17df5", 546000000],
  ["512077e30a5522dd9f894c3f8b8bd4c4b2cf82ca7da8a3ea6a239655c39c050ab220", 588000000],
];
const BIP341_SIGNED =
  "020000000001097de20cbff686da83a54981d2b9bab3586f4ca7e48f57f5b55963115f3b334e9c010000000000000000d7b7cab57b1393ace2d064f4d4a2cb8af6def61273e127517d44759b6dafdd990000000000fffffffff8e1f583384333689228c5d28eac13366be082dc57441760d957275419a41842000000006b4830450221008f3b8f8f0537c420654d2283673a761b7ee2ea3c130753103e08ce79201cf32a022079e7ab904a1980ef1c5890b648c8783f4d10103dd62f740d13daa79e298d50c201210279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798fffffffff0689180aa63b30cb162a73c6d2a38b7eeda2a83ece74310fda0843ad604853b0100000000feffffffaa5202bdf6d8ccd2ee0f0202afbbb7461d9264a25e5bfd3c5a52ee1239e0ba6c0000000000feffffff956149bdc66faa968eb2be2d2faa29718acbfe3941215893a2a3446d32acd050000000000000000000e664b9773b88c09c32cb70a2a3e4da0ced63b7ba3b22f848531bbb1d5d5f4c94010000000000000000e9aa6b8e6c9de67619e6a3924ae25696bb7b694bb677a632a74ef7eadfd4eabf0000000000ffffffffa778eb6a263dc090464cd125c466b5a99667720b1c110468831d058aa1b82af10100000000ffffffff0200ca9a3b000000001976a91406afd46bcdfd22ef94ac122aa11f241244a37ecc88ac807840cb0000000020ac9a87f5594be208f8532db38cff670c450ed2fea8fcdefcc9a663f78bab962b0141ed7c1647cb97379e76892be0cacff57ec4a7102aa24296ca39af7541246d8ff14d38958d4cc1e2e478e4d4a764bbfd835b16d4e314b72937b29833060b87276c030141052aedffc554b41f52b521071793a6b88d6dbca9dba94cf34c83696de0c1ec35ca9c5ed4ab28059bd606a4f3a657eec0bb96661d42921b5f50a95ad33675b54f83000141ff45f742a876139946a149ab4d9185574b98dc919d2eb6754f8abaa59d18b025637a3aa043b91817739554f4ed2026cf8022dbd83e351ce1fabc272841d2510a010140b4010dd48a617db09926f729e79c33ae0b4e94b79f04a1ae93ede6315eb3669de185a17d2b0ac9ee09fd4c64b678a0b61a0a86fa888a273c8511be83bfd6810f0247304402202b795e4de72646d76eab3f0ab27dfa30b810e856ff3a46c9a702df53bb0d8cc302203ccc4d822edab5f35caddb10af1be93583526ccfbade4b4ead350781e2f8adcd012102f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f90141a3785919a2ce3c4ce26f298c3d51619bc474ae24014bcdd31328cd8cfbab2eff3395fa0a16fe5f486d12f22a9cedded5ae74feb4bbe5351346508c5405bcfee0020141ea0c6ba90763c2d3a296ad82ba45881abb4f426b3f87af162dd24d5109edc1cdd11915095ba47c3a9963dc1e6c432939872bc49212fe34c632cd3ab9fed429c4820141bbc9584a11074e83bc8c6759ec55401f0ae7b03ef290c3139814f545b58a9f8127258000874f44bc46db7646322107d4d86aec8e73b8719a61fff761d75b5dd9810065cd1d";

interface KeyPathCase {
  index: number;
  secret: string;
  merkleRoot: string | null;
  hashType: number;
  internalPubkey: string;
  tweak: string;
  tweakedPrivkey: string;
  sigMsg: string;
  sigHash: string;
  witness: string;
}

const KEY_PATH_CASES: KeyPathCase[] = [
  {
    index: 0,
    secret: "6b973d88838f27366ed61c9ad6367663045cb456e28335c109e30717ae0c6baa",
    merkleRoot: null,
    hashType: 3,
    internalPubkey: "d6889cb081036e0faefa3a35157ad71086b123b2b144b649798b494c300a961d",
    tweak: "b86e7be8f39bab32a6f2c0443abbc210f0edac0e2c53d501b36b64437d9c6c70",
    tweakedPrivkey: "2405b971772ad26915c8dcdf10f238753a9b837e5f8e6a86fd7c0cce5b7296d9",
    sigMsg:
      "0003020000000065cd1de3b33bb4ef3a52ad1fffb555c0d82828eb22737036eaeb02a235d82b909c4c3f58a6964a4f5f8f0b642ded0a8a553be7622a719da71d1f5befcefcdee8e0fde623ad0f61ad2bca5ba6a7693f50fce988e17c3780bf2b1e720cfbb38fbdd52e2118959c7221ab5ce9e26c3cd67b22c24f8baa54bac281d8e6b05e400e6c3a957e0000000000d0418f0e9a36245b9a50ec87f8bf5be5bcae434337b87139c3a5b1f56e33cba0",
    sigHash: "2514a6272f85cfa0f45eb907fcb0d121b808ed37c6ea160a5a9046ed5526d555",
    witness:
      "ed7c1647cb97379e76892be0cacff57ec4a7102aa24296ca39af7541246d8ff14d38958d4cc1e2e478e4d4a764bbfd835b16d4e314b72937b29833060b87276c03",
  },
  {
    index: 1,
    secret: "1e4da49f6aaf4e5cd175fe08a32bb5cb4863d963921255f33d3bc31e1343907f",
    merkleRoot: "5b75adecf53548f3ec6ad7d78383bf84cc57b55a3127c72b9a2481752dd88b21",
    hashType: 131,
    internalPubkey: "187791b6f712a8ea41c8ecdd0ee77fab3e85263b37e1ec18a3651926b3a6cf27",
    tweak: "cbd8679ba636c1110ea247542cfbd964131a6be84f873f7f3b62a777528ed001",
    tweakedPrivkey: "ea260c3b10e60f6de018455cd0278f2f5b7e454be1999572789e6a9565d26080",
    sigMsg:
      "0083020000000065cd1d00d7b7cab57b1393ace2d064f4d4a2cb8af6def61273e127517d44759b6dafdd9900000000808f891b00000000225120147c9c57132f6e7ecddba9800bb0c4449251c92a1e60371ee77557b6620f3ea3ffffffffffcef8fb4ca7efc5433f591ecfc57391811ce1e186a3793024def5c884cba51d",
    sigHash: "325a644af47e8a5a2591cda0ab0723978537318f10e6a63d4eed783b96a71a4d",
    witness:
      "052aedffc554b41f52b521071793a6b88d6dbca9dba94cf34c83696de0c1ec35ca9c5ed4ab28059bd606a4f3a657eec0bb96661d42921b5f50a95ad33675b54f83",
  },
  {
    index: 3,
    secret: "d3c7af07da2d54f7a7735d3d0fc4f0a73164db638b2f2f7c43f711f6d4aa7e64",
    merkleRoot: "c525714a7f49c28aedbbba78c005931a81c234b2f6c99a73e4d06082adc8bf2b",
    hashType: 1,
    internalPubkey: "93478e9488f956df2396be2ce6c5cced75f900dfa18e7dabd2428aae78451820",
    tweak: "6af9e28dbf9d6aaf027696e2598a5b3d056f5fd2355a7fd5a37a0e5008132d30",
    tweakedPrivkey: "97323385e57015b75b0339a549c56a948eb961555973f0951f555ae6039ef00d",
    sigMsg:
      "0001020000000065cd1de3b33bb4ef3a52ad1fffb555c0d82828eb22737036eaeb02a235d82b909c4c3f58a6964a4f5f8f0b642ded0a8a553be7622a719da71d1f5befcefcdee8e0fde623ad0f61ad2bca5ba6a7693f50fce988e17c3780bf2b1e720cfbb38fbdd52e2118959c7221ab5ce9e26c3cd67b22c24f8baa54bac281d8e6b05e400e6c3a957ea2e6dab7c1f0dcd297c8d61647fd17d821541ea69c3cc37dcbad7f90d4eb4bc50003000000",
    sigHash: "bf013ea93474aa67815b1b6cc441d23b64fa310911d991e713cd34c7f5d46669",
    witness:
      "ff45f742a876139946a149ab4d9185574b98dc919d2eb6754f8abaa59d18b025637a3aa043b91817739554f4ed2026cf8022dbd83e351ce1fabc272841d2510a01",
  },
  {
    index: 4,
    secret: "f36bb07a11e469ce941d16b63b11b9b9120a84d9d87cff2c84a8d4affb438f4e",
    merkleRoot: "ccbd66c6f7e8fdab47b3a486f59d28262be857f30d4773f2d5ea47f7761ce0e2",
    hashType: 0,
    internalPubkey: "e0dfe2300b0dd746a3f8674dfd4525623639042569d829c7f0eed9602d263e6f",
    tweak: "b57bfa183d28eeb6ad688ddaabb265b4a41fbf68e5fed2c72c74de70d5a786f4",
    tweakedPrivkey: "a8e7aa924f0d58854185a490e6c41f6efb7b675c0f3331b7f14b549400b4d501",
    sigMsg:
      "0000020000000065cd1de3b33bb4ef3a52ad1fffb555c0d82828eb22737036eaeb02a235d82b909c4c3f58a6964a4f5f8f0b642ded0a8a553be7622a719da71d1f5befcefcdee8e0fde623ad0f61ad2bca5ba6a7693f50fce988e17c3780bf2b1e720cfbb38fbdd52e2118959c7221ab5ce9e26c3cd67b22c24f8baa54bac281d8e6b05e400e6c3a957ea2e6dab7c1f0dcd297c8d61647fd17d821541ea69c3cc37dcbad7f90d4eb4bc50004000000",
    sigHash: "4f900a0bae3f1446fd48490c2958b5a023228f01661cda3496a11da502a7f7ef",
    witness:
      "b4010dd48a617db09926f729e79c33ae0b4e94b79f04a1ae93ede6315eb3669de185a17d2b0ac9ee09fd4c64b678a0b61a0a86fa888a273c8511be83bfd6810f",
  },
  {
    index: 6,
    secret: "415cfe9c15d9cea27d8104d5517c06e9de48e2f986b695e4f5ffebf230e725d8",
    merkleRoot: "2f6b2c5397b6d68ca18e09a3f05161668ffe93a988582d55c6f07bd5b3329def",
    hashType: 2,
    internalPubkey: "55adf4e8967fbd2e29f20ac896e60c3b0f1d5b0efa9d34941b5958c7b0a0312d",
    tweak: "6579138e7976dc13b6a92f7bfd5a2fc7684f5ea42419d43368301470f3b74ed9",
    tweakedPrivkey: "241c14f2639d0d7139282aa6abde28dd8a067baa9d633e4e7230287ec2d02901",
    sigMsg:
      "0002020000000065cd1de3b33bb4ef3a52ad1fffb555c0d82828eb22737036eaeb02a235d82b909c4c3f58a6964a4f5f8f0b642ded0a8a553be7622a719da71d1f5befcefcdee8e0fde623ad0f61ad2bca5ba6a7693f50fce988e17c3780bf2b1e720cfbb38fbdd52e2118959c7221ab5ce9e26c3cd67b22c24f8baa54bac281d8e6b05e400e6c3a957e0006000000",
    sigHash: "15f25c298eb5cdc7eb1d638dd2d45c97c4c59dcaec6679cfc16ad84f30876b85",
    witness:
      "a3785919a2ce3c4ce26f298c3d51619bc474ae24014bcdd31328cd8cfbab2eff3395fa0a16fe5f486d12f22a9cedded5ae74feb4bbe5351346508c5405bcfee002",
  },
  {
    index: 7,
    secret: "c7b0e81f0a9a0b0499e112279d718cca98e79a12e2f137c72ae5b213aad0d103",
    merkleRoot: "6c2dc106ab816b73f9d07e3cd1ef2c8c1256f519748e0813e4edd2405d277bef",
    hashType: 130,
    internalPubkey: "ee4fe085983462a184015d1f782d6a5f8b9c2b60130aff050ce221ecf3786592",
    tweak: "9e0517edc8259bb3359255400b23ca9507f2a91cd1e4250ba068b4eafceba4a9",
    tweakedPrivkey: "65b6000cd2bfa6b7cf736767a8955760e62b6649058cbc970b7c0871d786346b",
    sigMsg:
      "0082020000000065cd1d00e9aa6b8e6c9de67619e6a3924ae25696bb7b694bb677a632a74ef7eadfd4eabf00000000804c8b2000000000225120712447206d7a5238acc7ff53fbe94a3b64539ad291c7cdbc490b7577e4b17df5ffffffff",
    sigHash: "cd292de50313804dabe4685e83f923d2969577191a3e1d2882220dca88cbeb10",
    witness:
      "ea0c6ba90763c2d3a296ad82ba45881abb4f426b3f87af162dd24d5109edc1cdd11915095ba47c3a9963dc1e6c432939872bc49212fe34c632cd3ab9fed429c482",
  },
  {
    index: 8,
    secret: "77863416be0d0665e517e1c375fd6f75839544eca553675ef7fdf4949518ebaa",
    merkleRoot: "ab179431c28d3b68fb798957faf5497d69c883c6fb1e1cd9f81483d87bac90cc",
    hashType: 129,
    internalPubkey: "f9f400803e683727b14f463836e1e78e1c64417638aa066919291a225f0e8dd8",
    tweak: "639f0281b7ac49e742cd25b7f188657626da1ad169209078e2761cefd91fd65e",
    tweakedPrivkey: "ec18ce6af99f43815db543f47b8af5ff5df3b2cb7315c955aa4a86e8143d2bf5",
    sigMsg:
      "0081020000000065cd1da2e6dab7c1f0dcd297c8d61647fd17d821541ea69c3cc37dcbad7f90d4eb4bc500a778eb6a263dc090464cd125c466b5a99667720b1c110468831d058aa1b82af101000000002b0c230000000022512077e30a5522dd9f894c3f8b8bd4c4b2cf82ca7da8a3ea6a239655c39c050ab220ffffffff",
    sigHash: "cccb739eca6c13a8a89e6e5cd317ffe55669bbda23f2fd37b0f18755e008edd2",
    witness:
      "bbc9584a11074e83bc8c6759ec55401f0ae7b03ef290c3139814f545b58a9f8127258000874f44bc46db7646322107d4d86aec8e73b8719a61fff761d75b5dd981",
  },
];

Deno.test("BIP 341 key-path spending vectors: sigMsg, sigHash, tweak and signatures", () => {
  const tx = parseTransaction(fromHex(BIP341_UNSIGNED));
  const prevouts: TxOutput[] = BIP341_SPENT.map(([script, value]) => ({
    script: fromHex(script),
    value,
  }));
  const signed = parseTransaction(fromHex(BIP341_SIGNED));
  for (const c of KEY_PATH_CASES) {
    const label = `input ${c.index}`;
    const merkleRoot = c.merkleRoot ? fromHex(c.merkleRoot) : undefined;
    assert.equal(
      "00" + toHex(taprootSigMsg(tx, c.index, prevouts, c.hashType)),
      c.sigMsg,
      label,
    );
    const hash = taprootSighash(tx, c.index, prevouts, c.hashType);
    assert.equal(toHex(hash), c.sigHash, label);
    const key = new PrivateKey(fromHex(c.secret));
    assert.equal(toHex(key.xOnlyPublicKey), c.internalPubkey, label);
    assert.equal(toHex(taprootTweak(key.xOnlyPublicKey, merkleRoot)), c.tweak, label);
    assert.equal(toHex(key.taprootSecret(merkleRoot)), c.tweakedPrivkey, label);
    // The output key is the one in the spent script (51 20 <key>).
    assert.equal(
      toHex(taprootOutputKey(key.xOnlyPublicKey, merkleRoot)),
      BIP341_SPENT[c.index][0].slice(4),
      label,
    );
    // BIP 341's vectors are signed with all-zero auxiliary randomness, as we sign.
    assert.equal(toHex(key.signTaproot(hash, c.hashType, merkleRoot)), c.witness, label);
    assert.equal(toHex(signed.inputs[c.index].witness[0]), c.witness, label);
  }
});

Deno.test("BIP 341 vector transaction: its P2PKH and P2WPKH signatures verify", () => {
  const tx = parseTransaction(fromHex(BIP341_UNSIGNED));
  const signed = parseTransaction(fromHex(BIP341_SIGNED));
  // Input 2 spends P2PKH of private key 1 (the generator point).
  const scriptSig = signed.inputs[2].script;
  const sigItem = scriptSig.subarray(1, 1 + scriptSig[0]);
  const pubkey = scriptSig.subarray(2 + scriptSig[0]);
  const one = new PrivateKey(fromHex("01".padStart(64, "0")));
  assert.deepEqual(pubkey, one.publicKey);
  const legacyHash = legacySighash(tx, 2, fromHex(BIP341_SPENT[2][0]), SIGHASH_ALL);
  const legacy = splitSig(sigItem);
  assert.equal(legacy.hashType, SIGHASH_ALL);
  assert.ok(verifyEcdsa(legacy.der, legacyHash, pubkey));
  // Input 5 spends P2WPKH of private key 3.
  const [witnessSig, witnessKey] = signed.inputs[5].witness;
  const three = new PrivateKey(fromHex("03".padStart(64, "0")));
  assert.deepEqual(witnessKey, three.publicKey);
  assert.equal(BIP341_SPENT[5][0], `0014${toHex(three.publicKeyHash)}`);
  const v0Hash = witnessV0Sighash(
    tx,
    5,
    fromHex(`76a914${toHex(three.publicKeyHash)}88ac`),
    BIP341_SPENT[5][1],
    SIGHASH_ALL,
  );
  const v0 = splitSig(witnessSig);
  assert.ok(verifyEcdsa(v0.der, v0Hash, witnessKey));
  assert.ok(!verifyEcdsa(v0.der, legacyHash, witnessKey));
});

Deno.test("legacy SIGHASH_SINGLE without a matching output hashes to one", () => {
  const tx = parseTransaction(fromHex(BIP341_UNSIGNED));
  const hash = legacySighash(tx, 5, new Uint8Array(0), 3);
  assert.equal(toHex(hash), "01".padEnd(64, "0"));
});
