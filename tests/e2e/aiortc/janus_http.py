"""janus_http.py — the Janus HTTP API transport the aiortc clients share:
a JSON request (POST with a body, GET without) to a path under the
gateway's URL, run by urllib in a worker thread so the asyncio loop that
carries the media never blocks on it."""
import asyncio
import json
import urllib.request


class JanusHttp:
    def __init__(self, url, executor=None):
        self.url = url.rstrip("/")
        self.executor = executor     # None = asyncio's default pool

    def _request(self, path, body=None, timeout=40):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method="POST" if body is not None else "GET",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())

    async def call(self, path, body=None, timeout=40):
        """The answer to one request (a dict); raises on HTTP or network errors."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, self._request, path, body, timeout)
