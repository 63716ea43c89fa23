/**
 * The Bitcoin networks the server can index, with ElectrumX's per-network defaults and
 * Bitcoin Core's address prefixes (docs/configuration.md, "Networks").
 */

/** ElectrumX `NET` values for `COIN=Bitcoin`. */
export type NetworkName = "mainnet" | "testnet" | "testnet4" | "signet" | "regtest" | "mutinynet";

/** Constants of one network. */
export interface Network {
  /** ElectrumX `NET` value. */
  name: NetworkName;
  /** ElectrumX coin class name, shown by `getinfo`. */
  className: string;
  /** Coin ticker. */
  shortName: string;
  /** Genesis block hash, display hex. */
  genesisHash: string;
  /** bitcoind's default JSON-RPC port. */
  rpcPort: number;
  /** Default `REORG_LIMIT`: blocks of undo data kept. */
  reorgLimit: number;
  /** Default Electrum TCP port. */
  tcpPort: number;
  /** Default Electrum TLS port. */
  sslPort: number;
  /** Base58Check version byte of P2PKH addresses. */
  p2pkhPrefix: number;
  /** Base58Check version byte of P2SH addresses. */
  p2shPrefix: number;
  /** Human-readable part of segwit addresses. */
  bech32Hrp: string;
  /** Default `BLACKLIST_URL` for peer discovery; empty when there is none. */
  blacklistUrl: string;
  /** Peer-discovery seeds as real names (`host s t`, docs/peers.md, "Real names"). */
  peerSeeds: readonly string[];
}

const SIGNET_GENESIS = "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6";

/** The constants every network other than mainnet shares; each entry overrides what differs. */
const TEST_NETWORK_DEFAULTS = {
  shortName: "XTN",
  reorgLimit: 8000,
  tcpPort: 51001,
  sslPort: 51002,
  p2pkhPrefix: 0x6f,
  p2shPrefix: 0xc4,
  bech32Hrp: "tb",
  blacklistUrl: "",
  peerSeeds: [],
} as const;

/** Every supported network by its ElectrumX `NET` name. */
export const NETWORKS: Readonly<Record<NetworkName, Network>> = Object.freeze({
  mainnet: Object.freeze({
    name: "mainnet",
    className: "BitcoinMainnet",
    shortName: "BTC",
    genesisHash: "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
    rpcPort: 8332,
    reorgLimit: 200,
    tcpPort: 50001,
    sslPort: 50002,
    p2pkhPrefix: 0x00,
    p2shPrefix: 0x05,
    bech32Hrp: "bc",
    blacklistUrl: "https://electrum.org/blacklist.json",
    peerSeeds: [
      "electrum.vom-stausee.de s t",
      "electrum.hsmiths.com s t",
      "helicarrier.bauerj.eu s t",
      "electrum.hodlister.co s",
      "electrum3.hodlister.co s",
      "btc.usebsv.com s50006",
      "fortress.qtornado.com s443 t",
      "ecdsa.net s110 t",
      "e2.keff.org s t",
      "currentlane.lovebitco.in s t",
      "electrum.jochen-hoenicke.de s50005 t50003",
      "vps5.hsmiths.com s",
      "electrum.emzy.de s",
      "electrum1.cipig.net t10000 s20000",
      "ulrichard.ch s",
      "hodlers.beer s",
      "5.9.83.108 s",
      "v7gtzf7nua6hdmb2wtqaqioqmesdb4xrlly4zwr7bvayxv2bpg665pqd.onion t",
      "qeqgdlw2ezf3uabook2ny3lztjxxzeyyoqw2k7cempzvqpknbmevhmyd.onion t",
      "kciybn4d4vuqvobdl2kdp3r2rudqbqvsymqwg4jomzft6m6gaibaf6yd.onion t",
      "explorerzydxu5ecjrkwceayqybizmpjjznk5izmitf2modhcusuqlid.onion t110",
      "v7o2hkemnt677k3jxcbosmjjxw3p5khjyu7jwv7orfy6rwtkizbshwqd.onion t57001",
      "nf365b5sbzk5j4jreimskffwnfpka7qtamyni5doohoom3g63o5tldad.onion t",
    ],
  }),
  testnet: Object.freeze({
    ...TEST_NETWORK_DEFAULTS,
    name: "testnet",
    className: "BitcoinTestnet3",
    genesisHash: "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",
    rpcPort: 18332,
    peerSeeds: [
      "testnet.qtornado.com s t",
      "blackie.c3-soft.com s57006 t57005",
      "electrum.blockstream.info t60001 s60002",
      "testnet.aranguren.org s t",
      "v22019051929289916.bestsrv.de s50002 t50001",
      "explorerzydxu5ecjrkwceayqybizmpjjznk5izmitf2modhcusuqlid.onion t143",
      "gsw6sn27quwf6u3swgra6o7lrp5qau6kt3ymuyoxgkth6wntzm2bjwyd.onion s51002 t51001",
      "3tc6nefii2fwoc66dqvrwcyj64dd3r35ihgxvp4u37itsopns5fjtead.onion s50002 t50001",
    ],
  }),
  testnet4: Object.freeze({
    ...TEST_NETWORK_DEFAULTS,
    name: "testnet4",
    className: "BitcoinTestnet4",
    genesisHash: "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043",
    rpcPort: 48332,
    peerSeeds: [
      "blackie.c3-soft.com s57010 t57009",
      "testnet4-electrumx.wakiyamap.dev",
      "13.212.194.61 s60002 t50001",
      "v22019051929289916.bestsrv.de s60002 t60001",
      "fulcrum.theuplink.net s60002",
      "134.199.227.217 s50002 t50001",
      "bitcoin.stagemole.eu s5010 t5000",
      "testnet4.qtornado.com s51012 t51011",
      "gsw6sn27quwf6u3swgra6o7lrp5qau6kt3ymuyoxgkth6wntzm2bjwyd.onion s52002 t52001",
    ],
  }),
  signet: Object.freeze({
    ...TEST_NETWORK_DEFAULTS,
    name: "signet",
    className: "BitcoinSignet",
    genesisHash: SIGNET_GENESIS,
    rpcPort: 38332,
  }),
  regtest: Object.freeze({
    ...TEST_NETWORK_DEFAULTS,
    name: "regtest",
    className: "BitcoinRegtest",
    genesisHash: "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
    rpcPort: 18443,
    bech32Hrp: "bcrt",
  }),
  // A custom signet: every signet starts from the same genesis block.
  mutinynet: Object.freeze({
    ...TEST_NETWORK_DEFAULTS,
    name: "mutinynet",
    className: "BitcoinMutinynet",
    genesisHash: SIGNET_GENESIS,
    rpcPort: 38332,
    peerSeeds: ["electrum.mutinynet.com t50001", "5.9.83.108 s51234"],
  }),
});

/** The network called `name` (case-insensitive, surrounding blanks ignored), if any. */
export function findNetwork(name: string): Network | undefined {
  const key = name.trim().toLowerCase();
  return Object.hasOwn(NETWORKS, key) ? NETWORKS[key as NetworkName] : undefined;
}
