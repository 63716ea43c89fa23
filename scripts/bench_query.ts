/**
 * Query and session benchmark against a real `electrumx serve` on a generated mainnet-shaped
 * chain served by the replay daemon (the index is synced once and kept under --results):
 *
 * 1. load: N concurrent TCP sessions (100 and 1,000 by default), each with one request in
 *    flight, issue get_history, get_balance and listunspent for scripts of the chain for a
 *    fixed time; requests/s and p50/p99 latency per method, the median of --runs runs;
 * 2. heavy history: get_history of the sample scripts with the most history (10,000+
 *    entries), p50/p99;
 * 3. capacity: 10,000 sessions holding 100,000 script-hash subscriptions, time to set up,
 *    server RSS, and a ping's latency while they are held;
 * 4. fan-out: with all of them subscribed to headers, the replay daemon mines a block; time
 *    from the block to the last session's header notification, and the script notifications.
 *
 * Answers are checked: balances and history counts of the truth sample must match. The
 * server runs with cost limits raised and MAX_SESSIONS above the session count, as an
 * operator of a private high-load server would set them. Loopback only; bounded in sessions
 * and time. Prints tables and writes bench/results/query-<time>.json.
 *
 *   deno run --allow-all scripts/bench_query.ts [--txs 1000000] [--sessions 100,1000]
 *     [--seconds 10] [--capacity 10000] [--subs-per-session 10]
 */
import { cachedChain } from "../src/bench/chain_cache.ts";
import { StoredChain } from "../src/bench/chain_directory.ts";
import { DEFAULT_CHAIN_SHAPE } from "../src/bench/chain_generator.ts";
import { LoadClient, type LoadClientOptions, percentile } from "../src/bench/load_client.ts";
import { startReplayProcess } from "../src/bench/replay_process.ts";
import { textTable, writeResults } from "../src/bench/report.ts";
import { parseBlock } from "../src/chain/block.ts";
import { scriptHash } from "../src/chain/script.ts";
import { isUnspendable } from "../src/chain/script.ts";
import { Daemon } from "../src/daemon/daemon.ts";
import { findFreePort } from "../src/regtest/node.ts";
import { VERSION } from "../src/version.ts";
import { ScriptCli } from "./script_cli.ts";

const USAGE = `usage: bench_query.ts [options]
  --txs N                 chain size in transactions (default 1000000)
  --sessions LIST         concurrent sessions of the load phases (default 100,1000)
  --seconds S             length of each load phase (default 10)
  --capacity N            sessions of the capacity and fan-out phases (default 10000)
  --subs-per-session K    script-hash subscriptions per capacity session (default 10)
  --runs N                runs of each load phase; the median run is reported (default 3)
  --chains DIR            cached chains (default bench/chains)
  --results DIR           results and the kept index (default bench/results)
  --phases LIST           which of load,heavy,fanout to run (default all)
  --blocks N              blocks mined one by one in the fan-out phase (default 3)
  --profile DIR           write a V8 CPU profile of the server into DIR (deno --cpu-prof)
  --help                  this text`;

const cli = new ScriptCli("bench_query", USAGE);
const values = cli.parse({
  txs: { type: "string" },
  sessions: { type: "string" },
  seconds: { type: "string" },
  capacity: { type: "string" },
  "subs-per-session": { type: "string" },
  runs: { type: "string" },
  chains: { type: "string" },
  results: { type: "string" },
  phases: { type: "string" },
  blocks: { type: "string" },
  profile: { type: "string" },
  help: { type: "boolean" },
});
const settings = {
  txs: cli.wholeNumber(values.txs, "txs", 1_000_000, 1),
  sessions: (values.sessions ?? "100,1000").split(",").map((n) =>
    cli.wholeNumber(n, "sessions", 0, 1)
  ),
  seconds: cli.wholeNumber(values.seconds, "seconds", 10, 1),
  capacity: cli.wholeNumber(values.capacity, "capacity", 10_000, 1),
  subsPerSession: cli.wholeNumber(values["subs-per-session"], "subs-per-session", 10, 1),
  runs: cli.wholeNumber(values.runs, "runs", 3, 1),
  chains: values.chains ?? "bench/chains",
  results: values.results ?? "bench/results",
  profile: values.profile,
  blocks: cli.wholeNumber(values.blocks, "blocks", 3, 1),
  phases: (values.phases ?? "load,heavy,fanout").split(","),
};

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The `serve` process, its log, and its resident memory. */
class Server {
  readonly child: Deno.ChildProcess;
  log = "";
  /** When each "block … applied" line arrived (the live blocks of the fan-out). */
  readonly appliedAt: number[] = [];
  /** When each "height …: told" line arrived: the server has queued every notification. */
  readonly notifiedAt: number[] = [];

  constructor(env: Record<string, string>, denoFlags: string[]) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", ...denoFlags, MAIN, "serve"],
      env: { NO_COLOR: "1", ALLOW_ROOT: "1", ...env },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.child = child;
    (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.log += chunk;
        if (/applied in \d+ ms/.test(chunk)) this.appliedAt.push(performance.now());
        if (/height \d+: told/.test(chunk)) this.notifiedAt.push(performance.now());
        if (this.log.length > 1_000_000) this.log = this.log.slice(-100_000);
      }
    })();
  }

  async waitForLog(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.log)) {
      if (Date.now() > deadline) throw new Error(`serve did not log ${pattern}:\n${this.log}`);
      await sleep(200);
    }
  }

  rssMb(): number {
    const status = Deno.readTextFileSync(`/proc/${this.child.pid}/status`);
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  }

  async stop(): Promise<void> {
    this.child.kill("SIGTERM");
    await this.child.status;
  }
}

/** Script hashes of outputs in the chain's last blocks: a broad, realistic query mix. */
function chainScriptHashes(chain: string, blocks: number, wanted: number): string[] {
  const stored = StoredChain.open(chain);
  const found = new Set<string>();
  try {
    for (let height = blocks - 1; height > 0 && found.size < wanted; height--) {
      for (const tx of parseBlock(stored.readBlock(height)).transactions) {
        for (const output of tx.outputs) {
          if (!isUnspendable(output.script)) found.add(scriptHash(output.script));
        }
      }
    }
  } finally {
    stored.close();
  }
  return [...found].slice(0, wanted);
}

async function connectAll(
  port: number,
  count: number,
  options: LoadClientOptions = {},
): Promise<LoadClient[]> {
  const clients: LoadClient[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, () => LoadClient.connect(port, options)),
    );
    await Promise.all(batch.map((c) => c.request("server.version", ["bench", "1.4"])));
    clients.push(...batch);
  }
  return clients;
}

const METHODS = [
  "blockchain.scripthash.get_history",
  "blockchain.scripthash.get_balance",
  "blockchain.scripthash.listunspent",
];

/** Closed-loop load: every session keeps one request in flight for `seconds`. */
type LoadRun = Awaited<ReturnType<typeof loadPhase>>;

/** The run with the median request rate, with every run's rate alongside. */
function medianRun(runs: LoadRun[]): LoadRun & { runsPerSecond: number[] } {
  const rates = runs.map((run) => run.requestsPerSecond);
  const middle = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[
    runs.length >> 1
  ];
  return { ...middle, runsPerSecond: rates };
}

async function loadPhase(port: number, sessions: number, scripts: string[]) {
  const clients = await connectAll(port, sessions);
  const latencies = new Map(METHODS.map((m) => [m, [] as number[]]));
  let errors = 0;
  const end = performance.now() + settings.seconds * 1000;
  const started = performance.now();
  await Promise.all(clients.map(async (client, i) => {
    let n = i;
    while (performance.now() < end) {
      const method = METHODS[n % METHODS.length];
      const reply = await client.request(method, [scripts[(n * 7919) % scripts.length]]);
      if (reply.error) errors++;
      else latencies.get(method)!.push(reply.ms);
      n++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  for (const client of clients) client.close();
  const total = [...latencies.values()].reduce((sum, list) => sum + list.length, 0);
  return {
    sessions,
    seconds,
    requestsPerSecond: total / seconds,
    errors,
    methods: Object.fromEntries(
      [...latencies].map(([method, list]) => [method, {
        requests: list.length,
        p50: percentile(list, 50),
        p99: percentile(list, 99),
      }]),
    ),
  };
}

/** Load phases: requests/s and latency per method for each session count. */
async function runLoad(port: number, scripts: string[]) {
  const load = [];
  for (const sessions of settings.sessions) {
    const runs = [];
    for (let run = 1; run <= settings.runs; run++) {
      console.error(`load: ${sessions} sessions for ${settings.seconds}s, run ${run} …`);
      runs.push(await loadPhase(port, sessions, scripts));
    }
    load.push(medianRun(runs));
  }
  console.log(textTable(
    [
      "sessions",
      "req/s",
      "errors",
      ...METHODS.flatMap((m) => [`${m.split(".").pop()} p50 ms`, "p99 ms"]),
    ],
    load.map((phase) => [
      String(phase.sessions),
      Math.round(phase.requestsPerSecond).toLocaleString("en-US"),
      String(phase.errors),
      ...METHODS.flatMap((m) => {
        const figures = (phase.methods as Record<string, { p50: number; p99: number }>)[m];
        return [figures.p50.toFixed(1), figures.p99.toFixed(1)];
      }),
    ]),
  ));

  return load;
}

/** get_history of the heaviest sample scripts, 10 sessions at once. */
/**
 * get_history latency of one heavy script: `sessions` sessions at once, each asking
 * `requests` times in a row. Answers are matched by id, not decoded (see LoadClientOptions),
 * and checked for their size: at least 64 bytes an entry.
 */
async function heavyLatencies(
  port: number,
  sample: { scriptHash: string; historyCount: number },
  sessions: number,
  requests: number,
): Promise<number[]> {
  const latencies: number[] = [];
  const clients = await connectAll(port, sessions, { decodeUpTo: 65_536 });
  try {
    await Promise.all(clients.map(async (client) => {
      for (let i = 0; i < requests; i++) {
        const reply = await client.request("blockchain.scripthash.get_history", [
          sample.scriptHash,
        ]);
        if (reply.error) throw new Error(`get_history failed: ${reply.error.message}`);
        if (reply.size < 64 * sample.historyCount) {
          throw new Error(`get_history of ${sample.scriptHash}: ${reply.size} bytes is too short`);
        }
        latencies.push(reply.ms);
      }
    }));
  } finally {
    for (const client of clients) client.close();
  }
  return latencies;
}

/**
 * get_history of the sample scripts with 10,000 entries or more: one session asking 50
 * times in a row (a wallet's view), then 10 sessions asking 20 times each at once. The
 * first request of a script reads it from the index; the rest are served from the history
 * cache, as a busy server serves its heavy scripts.
 */
async function runHeavy(port: number, truth: { scriptHash: string; historyCount: number }[]) {
  const heavy = truth.filter((s) => s.historyCount >= 10_000);
  const heavyRows = [];
  for (const sample of heavy) {
    const alone = await heavyLatencies(port, sample, 1, 50);
    const together = await heavyLatencies(port, sample, 10, 20);
    heavyRows.push({
      entries: sample.historyCount,
      first: alone[0],
      aloneP50: percentile(alone, 50),
      aloneP99: percentile(alone, 99),
      p50: percentile(together, 50),
      p99: percentile(together, 99),
    });
  }
  console.log(textTable(
    ["history entries", "first ms", "1 session p50", "p99", "10 sessions p50", "p99"],
    heavyRows.map((r) => [
      r.entries.toLocaleString("en-US"),
      r.first.toFixed(1),
      r.aloneP50.toFixed(1),
      r.aloneP99.toFixed(1),
      r.p50.toFixed(1),
      r.p99.toFixed(1),
    ]),
  ));
  return heavyRows;
}

/** What one block's fan-out took, from the block reaching the daemon. */
interface BlockFanOut {
  headerNotified: number;
  lastHeaderMs: number;
  scriptNotifications: number;
  lastScriptMs: number;
  /** Transactions and apply time from the server's "block … applied in" line. */
  applyLog?: string[];
  appliedLoggedMs: number;
  /** When the server logged its notification round: everything queued for writing. */
  notifiedLoggedMs: number;
  miningMs: number;
  roundLog?: string;
}

/** Capacity (sessions holding subscriptions), then the fan-out of a new block to them. */
async function runCapacityAndFanOut(
  port: number,
  scripts: string[],
  server: Server,
  daemon: Daemon,
) {
  // Capacity: many sessions, each with its script-hash subscriptions and headers.
  console.error(`capacity: ${settings.capacity} sessions …`);
  const rssBefore = server.rssMb();
  const setupStarted = performance.now();
  const clients = await connectAll(port, settings.capacity);
  let headerNotified = 0;
  let lastHeaderAt = 0;
  let scriptNotifications = 0;
  let lastScriptAt = 0;
  for (const client of clients) {
    client.onNotification = (method) => {
      if (method === "blockchain.headers.subscribe") {
        headerNotified++;
        lastHeaderAt = performance.now();
      } else {
        scriptNotifications++;
        lastScriptAt = performance.now();
      }
    };
  }
  let subscriptions = 0;
  for (let i = 0; i < clients.length; i += 500) {
    await Promise.all(
      clients.slice(i, i + 500).map(async (client, k) => {
        await client.request("blockchain.headers.subscribe");
        for (let j = 0; j < settings.subsPerSession; j++) {
          const script = scripts[((i + k) * settings.subsPerSession + j) % scripts.length];
          const reply = await client.request("blockchain.scripthash.subscribe", [script]);
          if (!reply.error) subscriptions++;
        }
      }),
    );
  }
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  const pings = [];
  for (let i = 0; i < 20; i++) {
    pings.push((await clients[i * 97 % clients.length].request("server.ping")).ms);
  }
  const capacity = {
    sessions: clients.length,
    subscriptions,
    setupSeconds,
    serverRssMb: server.rssMb(),
    serverRssBeforeMb: rssBefore,
    pingP50: percentile(pings, 50),
    pingMax: Math.max(...pings),
  };
  console.log(textTable(
    ["sessions", "subscriptions", "setup s", "server RSS MB", "ping p50 ms", "ping max ms"],
    [[
      capacity.sessions.toLocaleString("en-US"),
      capacity.subscriptions.toLocaleString("en-US"),
      setupSeconds.toFixed(1),
      capacity.serverRssMb.toFixed(0),
      capacity.pingP50.toFixed(1),
      capacity.pingMax.toFixed(1),
    ]],
  ));

  // Fan-out: new blocks, one at a time; every session is told of each new tip.
  const blocks: BlockFanOut[] = [];
  for (let n = 1; n <= settings.blocks; n++) {
    console.error(`fan-out: mining block ${n} of ${settings.blocks} on the replay daemon …`);
    headerNotified = 0;
    scriptNotifications = 0;
    const logFrom = server.log.length;
    const appliedBefore = server.appliedAt.length;
    const notifiedBefore = server.notifiedAt.length;
    // The replay daemon generates the block (about a second for 3,000 signed transactions);
    // times run from its reply, when the block is in the daemon as a mined one would be.
    const miningStarted = performance.now();
    await daemon.call("replay_extend", [1]);
    const mined = performance.now();
    const deadline = mined + 30_000;
    while (headerNotified < clients.length && performance.now() < deadline) await sleep(5);
    await sleep(1000); // script notifications that follow the headers
    const log = server.log.slice(logFrom);
    blocks.push({
      headerNotified,
      lastHeaderMs: lastHeaderAt - mined,
      scriptNotifications,
      lastScriptMs: scriptNotifications > 0 ? lastScriptAt - mined : 0,
      applyLog: /block \d+ \w+: (\d+) txs, applied in (\d+) ms \(commit (\d+) ms\)/.exec(log)
        ?.slice(1),
      appliedLoggedMs: (server.appliedAt[appliedBefore] ?? NaN) - mined,
      notifiedLoggedMs: (server.notifiedAt[notifiedBefore] ?? NaN) - mined,
      miningMs: mined - miningStarted,
      roundLog: /height \d+: told .*/.exec(log)?.[0],
    });
  }
  for (const client of clients) client.close();
  const lastNotified = (block: BlockFanOut) => Math.max(block.lastHeaderMs, block.lastScriptMs);
  const fanOut = {
    sessions: clients.length,
    blocks,
    medianLastNotifiedMs: percentile(blocks.map(lastNotified), 50),
  };
  console.log(textTable(
    [
      "block",
      "told of block",
      "last header ms",
      "script notifications",
      "last script ms",
      "block txs",
      "apply ms",
      "commit ms",
      "applied by ms",
      "server done by ms",
    ],
    blocks.map((block, i) => [
      String(i + 1),
      block.headerNotified.toLocaleString("en-US"),
      block.lastHeaderMs.toFixed(0),
      block.scriptNotifications.toLocaleString("en-US"),
      block.lastScriptMs.toFixed(0),
      block.applyLog?.[0] ?? "?",
      block.applyLog?.[1] ?? "?",
      block.applyLog?.[2] ?? "?",
      block.appliedLoggedMs.toFixed(0),
      block.notifiedLoggedMs.toFixed(0),
    ]),
  ));
  for (const block of blocks) console.log(`server: ${block.roundLog ?? "no round line"}`);
  console.log(
    `median time to the last notification: ${fanOut.medianLastNotifiedMs.toFixed(0)} ms`,
  );
  return { capacity, fanOut };
}

async function main(): Promise<void> {
  const [chain, manifest] = await cachedChain(settings.txs, {
    chains: settings.chains,
    seed: 1,
    txsPerBlock: DEFAULT_CHAIN_SHAPE.txsPerBlock,
  });
  const replay = await startReplayProcess(chain);
  const dbDir = `${settings.results}/query-db-${chain.split("/").pop()}`;
  const tcpPort = findFreePort();
  const server = new Server({
    DAEMON_URL: replay.url,
    NET: "regtest",
    DB_DIRECTORY: dbDir,
    SERVICES: `tcp://127.0.0.1:${tcpPort}`,
    RPC_PORT: String(findFreePort()),
    MAX_SESSIONS: String(settings.capacity + 1000),
    COST_SOFT_LIMIT: "1000000000",
    COST_HARD_LIMIT: "2000000000",
    DAEMON_POLL_INTERVAL_BLOCKS: "100",
    PEER_DISCOVERY: "off",
    LOG_LEVEL: "INFO",
  }, settings.profile ? [`--cpu-prof-dir=${settings.profile}`] : []);
  const daemon = new Daemon({ urls: [replay.url] });
  const results: Record<string, unknown> = {
    version: VERSION,
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
    date: new Date().toISOString(),
    chain,
    settings,
  };
  try {
    console.error(`syncing or opening the index in ${dbDir} …`);
    await server.waitForLog(
      new RegExp(`TCP server listening on 127\\.0\\.0\\.1:${tcpPort}`),
      600_000,
    );
    const truth = manifest.truth.scripts;
    const scripts = [
      ...truth.map((s) => s.scriptHash),
      ...chainScriptHashes(chain, manifest.blocks, 20_000),
    ];

    // Answers are checked against the generator's truth before anything is timed.
    const [checker] = await connectAll(tcpPort, 1);
    for (const sample of truth) {
      const balance = await checker.request("blockchain.scripthash.get_balance", [
        sample.scriptHash,
      ]);
      const history = await checker.request("blockchain.scripthash.get_history", [
        sample.scriptHash,
      ]);
      const confirmed = (balance.result as { confirmed: number }).confirmed;
      if (
        confirmed !== sample.balance || (history.result as unknown[]).length !== sample.historyCount
      ) {
        throw new Error(`wrong answer for ${sample.scriptHash}: balance ${confirmed}`);
      }
    }
    console.error(`answers for ${truth.length} sample scripts match the chain's truth`);

    if (settings.phases.includes("load")) results.load = await runLoad(tcpPort, scripts);
    if (settings.phases.includes("heavy")) results.heavyHistory = await runHeavy(tcpPort, truth);
    if (settings.phases.includes("fanout")) {
      Object.assign(results, await runCapacityAndFanOut(tcpPort, scripts, server, daemon));
    }
    console.log(`results written to ${writeResults(settings.results, "query", results)}`);
  } finally {
    daemon.close();
    await server.stop();
    await replay.stop();
  }
}

await main();
