/** Start-up checks of the daemon: right network, usable version and indexes. */
import type { Network } from "../chain/networks.ts";
import type { Logger } from "../log.ts";
import type { Daemon } from "./daemon.ts";

/** The daemon serves another chain than the configured network. */
export class WrongNetworkError extends Error {
  override name = "WrongNetworkError";
}

/** What the checks learnt, for logs and banners. */
export interface DaemonFacts {
  height: number;
  subversion: string;
  versionText: string;
}

/**
 * Verifies that the daemon's genesis block is the configured network's, and warns about a
 * daemon without the transaction index (blockchain.transaction.get needs it).
 */
export async function checkDaemon(
  daemon: Daemon,
  network: Network,
  log: Logger,
): Promise<DaemonFacts> {
  const height = await daemon.getBlockCount();
  const [genesis] = await daemon.getBlockHashes(0, 1);
  if (genesis !== network.genesisHash) {
    throw new WrongNetworkError(
      `daemon ${daemon.display} has genesis block ${genesis}, but NET=${network.name} expects ` +
        `${network.genesisHash}: point DAEMON_URL at a ${network.name} node or set NET`,
    );
  }
  const info = await daemon.getNetworkInfo();
  const indexes = await daemon.getIndexInfo();
  if (indexes !== undefined && !("txindex" in indexes)) {
    log.warning(
      "the daemon has no transaction index: start bitcoind with txindex=1, or " +
        "blockchain.transaction.get will fail for confirmed transactions",
    );
  }
  log.info(`daemon ${daemon.display}: ${info.subversion || info.versionText}, height ${height}`);
  return { height, subversion: info.subversion, versionText: info.versionText };
}
