import assert from "node:assert/strict";
import { groupsTable, peersTable, sessionsTable } from "../../src/cli/tables.ts";

Deno.test("sessions table matches docs/admin.md's example column for column", () => {
  const rows = [
    [
      1,
      "S10",
      "165.255.191.213:22349",
      "electrum/4.5.8",
      "1.4",
      12.7,
      257.2,
      0,
      0,
      34,
      45,
      5 * 1024 + 10,
      45,
      3 * 1024,
      342,
    ],
    [2, "T10", "165.255.191.7:40022", "unknown", "1.4", 7, 262, 0, 0, 0, 1, 0, 0, 0, 41],
    [
      4,
      "SL8",
      "[2a01:4f8:10a:1::5]:50788",
      "electrum-personal",
      "1.6",
      3456,
      0,
      2,
      1,
      1234,
      12345,
      1205 * 1024,
      12345,
      120563 * 1024,
      99960,
    ],
    [7, "R20", "127.0.0.1:51234", "RPC", "RPC", 0, 0, 1, 0, 0, 1, 0, 0, 0, 0],
  ];
  assert.deepEqual(sessionsTable(rows), [
    "ID     Flags            Client Proto    Cost   XCost  Reqs   Txs    Subs    Recv Recv KB    Sent Sent KB      Time                  Peer",
    "1      S10      electrum/4.5.8   1.4      12     257     0     0      34      45       5      45       3    05m42s 165.255.191.213:22349",
    "2      T10             unknown   1.4       7     262     0     0       0       1       0       0       0       41s   165.255.191.7:40022",
    "4      SL8   electrum-personal   1.6   3,456       0     2     1   1,234  12,345   1,205  12,345 120,563  1d03h46m [2a01:4f8:10a:1::5]:50788",
    "7      R20                 RPC   RPC       0       0     1     0       0       1       0       0       0       00s       127.0.0.1:51234",
  ]);
});

Deno.test("groups table matches docs/admin.md's example", () => {
  const rows = [
    ["t0", 4, 3475.7, 0, 3, 1, 1268, 12392, 1210 * 1024 + 10, 12390, 120566 * 1024],
    ["165.255.191.0/24", 2, 19.5, 250, 0, 0, 34, 46, 5 * 1024, 45, 3 * 1024],
    ["2a01:4f8:10a::/48", 1, 3456, 0, 2, 1, 1234, 12345, 1205 * 1024, 12345, 120563 * 1024],
  ];
  assert.deepEqual(groupsTable(rows), [
    "Name            Sessions     Cost Retained   Reqs    Txs     Subs   Recv   Recv KB    Sent   Sent KB",
    "t0                     4    3,475        0      3      1    1,268 12,392     1,210  12,390   120,566",
    "165.255.191.0/24         2       19      250      0      0       34     46         5      45         3",
    "2a01:4f8:10a::/48         1    3,456        0      2      1    1,234 12,345     1,205  12,345   120,563",
  ]);
});

Deno.test("peers table matches docs/admin.md's example, trailing padding included", () => {
  const now = 1_700_000_000;
  const peers = [
    {
      host: "electrum.example.com",
      status: "good",
      features: {
        hosts: { "electrum.example.com": { tcp_port: 50001, ssl_port: 50002 } },
        server_version: "ElectrumX 1.18.0",
        protocol_min: "1.4",
        protocol_max: "1.4.2",
        pruning: null,
      },
      source: "peer",
      ip_addr: "93.184.215.14",
      last_good: now - 125,
      last_try: now - 130,
      try_count: 0,
    },
    {
      host: "fortress.qtornado.com",
      status: "stale",
      features: {
        hosts: { "fortress.qtornado.com": { tcp_port: 50001, ssl_port: 443 } },
        server_version: null,
        protocol_min: "0.0",
        protocol_max: "0.0",
      },
      source: "coins.py",
      ip_addr: "198.51.7.9",
      last_good: now - 14461,
      last_try: now - 600,
      try_count: 1,
    },
    {
      host: "nohost.example",
      status: "never",
      features: {
        hosts: { "nohost.example": { tcp_port: 50001 } },
        server_version: "",
        protocol_min: "0.0",
        protocol_max: "0.0",
      },
      source: "RPC",
      ip_addr: null,
      last_good: 0,
      last_try: now - 90060,
      try_count: 2,
    },
  ];
  const lines = peersTable(peers, now);
  assert.equal(
    lines[0],
    "Host                                                           Status   TCP   SSL Server             Min  Max  Pruning   Last Good    Last Try Tries               Source IP Address     ",
  );
  assert.equal(
    lines[1],
    "electrum.example.com                                           good   50001 50002 ElectrumX 1.18.0   1.4 1.4.2              02m 05s     02m 10s     0                 peer 93.184.215.14  ",
  );
  assert.equal(
    lines[2],
    "fortress.qtornado.com                                          stale  50001   443 unknown            0.0  0.0          04h 01m 01s     10m 00s     1             coins.py 198.51.7.9     ",
  );
  assert.equal(
    lines[3],
    "nohost.example                                                 never  50001       unknown            0.0  0.0                Never  1d 01h 01m     2                  RPC                ",
  );
});
