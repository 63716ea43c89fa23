"""ElectrumX's RPC library (aiorpcX) on the other end of the LocalRPC wire, for
wire-compatibility tests. Two modes:

  client PORT METHOD PARAMS_JSON  one request the way ElectrumX's electrumx_rpc sends it
                                  (aiorpcX connect_rs + send_request); prints the result as
                                  JSON, or "error <code> <message>" for an error reply
  server                          an aiorpcX LocalRPC-style server on a free loopback port
                                  (printed first); each request is answered with what aiorpcX
                                  decoded from it; a request mentioning "fail" gets error 1
"""
import asyncio
import json
import sys

from aiorpcx import RPCError, RPCSession, connect_rs, serve_rs


async def client(port, method, params):
    async with connect_rs("localhost", port) as session:
        try:
            result = await session.send_request(method, params)
        except RPCError as error:
            print("error", error.code, error.message)
            return
        print(json.dumps(result))


class EchoSession(RPCSession):
    async def handle_request(self, request):
        if "fail" in json.dumps(request.args):
            raise RPCError(1, "no session with id='x'")
        return {"method": request.method, "params": request.args}


async def server():
    listener = await serve_rs(EchoSession, "127.0.0.1", 0)
    print(listener.sockets[0].getsockname()[1], flush=True)
    await listener.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "client":
        asyncio.run(client(int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])))
    else:
        asyncio.run(server())
