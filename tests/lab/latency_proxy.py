#!/usr/bin/env python3
"""A TCP proxy that makes a loopback server look far away: every byte is
delivered DELAY milliseconds after it arrived, in each direction, without
limiting throughput (standard library only).

  latency_proxy.py --upstream HOST:PORT --port-file F [--delay-ms N]
                   [--cut-after BYTES] [--log L]

Binds 127.0.0.1 port 0 and writes the port to F (atomically). Bytes are
relayed as they are, so TLS passes through untouched (connect to the
proxy with the upstream's certificate name). A round trip through it
costs 2 x DELAY more than on loopback: --delay-ms 25 is a server 50 ms
away.

--cut-after BYTES closes both sides of the FIRST connection once the
server has sent it BYTES bytes (counted after the delay): a connection
lost in the middle of a reply, as when a laptop changes networks. Later
connections are relayed whole.

L gets one line per event: "connect N", "cut N BYTES", "close N UP DOWN
TURNS": bytes client->server and server->client, and the times the client
spoke again after the server had: the round trips it waited for (the first
request after the greeting counts as one; a pipelined burst as one).
"""
import argparse
import asyncio
import os
import sys
import time

CHUNK = 1 << 16


class Conn:
    def __init__(self, n, cut):
        self.n = n
        self.cut = cut          # server->client bytes before the cut, or None
        self.up = 0
        self.down = 0
        self.turns = 0          # requests sent after a reply: round trips
        self.last = None
        self.closed = False


async def pump(reader, writer, delay, conn, downstream, log):
    """Copy reader to writer, each chunk sent DELAY after it was read.
    Reading runs ahead (a queue of timestamped chunks) so that a long reply
    streams at full speed, only shifted in time."""
    queue = asyncio.Queue()

    async def read_side():
        # A reset (ConnectionResetError) ends the stream like an EOF: the
        # writer below must learn of it, or it waits forever and the
        # connection's "close" line is never logged.
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    break
                await queue.put((time.monotonic() + delay, data))
        except (ConnectionError, OSError):
            pass
        finally:
            queue.put_nowait((time.monotonic() + delay, b""))

    task = asyncio.ensure_future(read_side())
    try:
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data or conn.closed:
                break
            if downstream and conn.cut is not None and conn.down + len(data) >= conn.cut:
                data = data[:conn.cut - conn.down]
                writer.write(data)
                conn.down += len(data)
                await writer.drain()
                log("cut %d %d" % (conn.n, conn.down))
                conn.closed = True
                break
            if not downstream and conn.last == "down":
                conn.turns += 1
            conn.last = "down" if downstream else "up"
            writer.write(data)
            await writer.drain()
            if downstream:
                conn.down += len(data)
            else:
                conn.up += len(data)
    except (ConnectionError, OSError):
        pass
    finally:
        task.cancel()
        try:
            writer.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--delay-ms", type=float, default=25.0)
    ap.add_argument("--cut-after", type=int, default=None)
    ap.add_argument("--log", default=None)
    a = ap.parse_args()
    host, port = a.upstream.rsplit(":", 1)
    if host not in ("127.0.0.1", "localhost", "127.0.0.2"):
        sys.exit("latency_proxy: loopback upstreams only")
    delay = a.delay_ms / 1000.0
    logf = open(a.log, "a", buffering=1) if a.log else None
    count = [0]

    def log(line):
        if logf:
            logf.write(line + "\n")

    async def handle(creader, cwriter):
        count[0] += 1
        conn = Conn(count[0], a.cut_after if count[0] == 1 else None)
        log("connect %d" % conn.n)
        try:
            sreader, swriter = await asyncio.open_connection(host, int(port))
        except OSError:
            cwriter.close()
            return
        await asyncio.gather(
            pump(creader, swriter, delay, conn, False, log),
            pump(sreader, cwriter, delay, conn, True, log))
        log("close %d %d %d %d" % (conn.n, conn.up, conn.down, conn.turns))

    async def serve():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        p = server.sockets[0].getsockname()[1]
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % p)
        os.rename(tmp, a.port_file)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
