/**
 * The admin `query` command: history, UTXOs and balance of addresses or hex scripts, in the
 * layout ElectrumX documents (`History #1: height 123,723 tx_hash …`, numbered from 1). Every
 * address type of the configured network is accepted (base58, bech32, bech32m).
 */
import { fromHex, hashToHex, isHex } from "../chain/bytes.ts";
import { AddressError, addressToScript } from "../chain/address.ts";
import { sha256 } from "../chain/hash.ts";
import type { Network } from "../chain/networks.ts";
import type { IndexStore } from "../index/store.ts";
import { formatCoins, withSeparators } from "./format.ts";
import { AdminCommandError } from "./rpc_server.ts";

/** Resolves an item to its script and the line that announces it. */
function resolveItem(item: string, network: Network): { script: Uint8Array; label: string } {
  if (item.length > 0 && isHex(item)) return { script: fromHex(item), label: `Script: ${item}` };
  try {
    return { script: addressToScript(item, network), label: `Address: ${item}` };
  } catch (error) {
    if (error instanceof AddressError) {
      throw new AdminCommandError(
        `"${item}" is neither a hex script nor a ${network.name} address: ${error.message}`,
      );
    }
    throw error;
  }
}

/**
 * Lines for each item. `limit` caps the history entries per item (0: none; negative: all)
 * and the UTXO lines (0 or negative: all). History is in chain order; UTXOs in chain order
 * too (the documentation allows any order). The balance always counts every UTXO.
 */
export function queryLines(
  store: IndexStore,
  network: Network,
  request: { items: string[]; limit: number },
): string[] {
  if (!Array.isArray(request.items) || request.items.some((item) => typeof item !== "string")) {
    throw new AdminCommandError("expected a list of addresses or hex scripts");
  }
  if (!Number.isInteger(request.limit)) throw new AdminCommandError("limit must be an integer");
  const cap = request.limit < 0 ? Number.MAX_SAFE_INTEGER : request.limit;
  const resolved = request.items.map((item) => resolveItem(item, network));
  const lines: string[] = [];
  for (const { script, label } of resolved) {
    const hashX = sha256(script).subarray(0, 11);
    lines.push(label);
    const history = store.history(hashX, cap);
    history.forEach((entry, i) => {
      lines.push(
        `History #${i + 1}: height ${withSeparators(store.heightOfTx(entry.txNum))} tx_hash ${
          hashToHex(entry.txid)
        }`,
      );
    });
    if (history.length === 0) lines.push("No history found");
    const utxos = store.utxos(hashX);
    // As upstream: UTXOs stop after `limit` entries, but 0 or negative means no cap.
    utxos.slice(0, request.limit > 0 ? request.limit : undefined).forEach((utxo, i) => {
      lines.push(
        `UTXO #${i + 1}: tx_hash ${hashToHex(utxo.txid)} tx_pos ${utxo.vout} height ${
          withSeparators(store.heightOfTx(utxo.txNum))
        } value ${withSeparators(utxo.value)}`,
      );
    });
    if (utxos.length === 0) lines.push("No UTXOs found");
    const balance = utxos.reduce((sum, utxo) => sum + utxo.value, 0);
    lines.push(`Balance: ${formatCoins(balance)} ${network.shortName}`);
  }
  return lines;
}
