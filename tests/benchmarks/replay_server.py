"""A server that costs no CPU worth measuring: it replays the simulator's answers after a fixed delay.

The simulator is one Python process: the pages of a round, asked for at once, are answered one after the
other under its GIL, so a listing's time against it holds the simulator's own work as well as the client's.
A real API answers a round's requests side by side. This server isolates the client: each request is sent
once to the simulator (untimed, the first read), its answer kept by request line, and every later request
with that line is answered from memory after ``latency`` seconds, by one asyncio loop that does nothing
else. The answers are the simulator's own (the same pages, totals and request ids), so the client judges
exactly what it would judge against the simulator.

    python tests/benchmarks/replay_server.py <simulator URL> <latency seconds>   # prints its URL
"""

import asyncio
import http.client
import sys
from urllib.parse import urlsplit


class Replay(object):
    def __init__(self, upstream, latency):
        self.upstream = urlsplit(upstream)
        self.latency = latency
        self.answers = {}

    def fetch(self, method, target, headers):
        """The simulator's answer to this request, as bytes ready to send (a blocking call, made once a line)."""
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        try:
            connection.request(method, target, headers=headers)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        kept = [(name, value) for name, value in response.getheaders()
                if name.lower() not in ('content-length', 'connection', 'transfer-encoding')]
        head = 'HTTP/1.1 %d %s\r\n' % (response.status, response.reason)
        head += ''.join('%s: %s\r\n' % pair for pair in kept)
        head += 'Content-Length: %d\r\nConnection: keep-alive\r\n\r\n' % len(body)
        return head.encode('latin-1') + body

    async def serve(self, reader, writer):
        loop = asyncio.get_running_loop()
        try:
            while True:
                head = await reader.readuntil(b'\r\n\r\n')
                lines = head.decode('latin-1').split('\r\n')
                method, target, _version = lines[0].split(' ', 2)
                headers = dict(line.split(': ', 1) for line in lines[1:] if ': ' in line)
                length = int(headers.get('Content-Length', 0) or 0)
                if length:
                    await reader.readexactly(length)
                answer = self.answers.get((method, target))
                if answer is None:
                    answer = await loop.run_in_executor(None, self.fetch, method, target, headers)
                    self.answers[(method, target)] = answer
                else:
                    await asyncio.sleep(self.latency)
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def main(upstream, latency):
    replay = Replay(upstream, latency)
    server = await asyncio.start_server(replay.serve, '127.0.0.1', 0)
    print('http://127.0.0.1:%d' % server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == '__main__':
    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
