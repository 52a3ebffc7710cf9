"""janus_http.py — the Janus HTTP API transport the aiortc clients share:
a JSON request (POST with a body, GET without) to a path under the
gateway's URL, run by urllib in a worker thread so the asyncio loop that
carries the media never blocks on it; and JanusSession, one session with
one handle (create + attach, message, long poll), what the echo, data
channel and chat clients speak."""
import asyncio
import json
import urllib.request
import uuid


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


class JanusSession(JanusHttp):
    """One Janus session with one plugin handle."""

    def __init__(self, url, executor=None):
        super().__init__(url, executor)
        self.session = None
        self.handle = None

    async def create(self, plugin):
        r = await self.call("/janus", {"janus": "create", "transaction": uuid.uuid4().hex})
        self.session = r["data"]["id"]
        r = await self.call(f"/janus/{self.session}", {"janus": "attach", "plugin": plugin,
                                                      "transaction": uuid.uuid4().hex})
        self.handle = r["data"]["id"]

    async def message(self, body, jsep=None):
        msg = {"janus": "message", "transaction": uuid.uuid4().hex, "body": body}
        if jsep:
            msg["jsep"] = jsep
        return await self.call(f"/janus/{self.session}/{self.handle}", msg)

    async def destroy(self, timeout=5):
        await self.call(f"/janus/{self.session}", {"janus": "destroy", "transaction": uuid.uuid4().hex}, timeout)

    async def poll(self):
        """The next events (a list), waiting up to the gateway's long-poll time."""
        r = await self.call(f"/janus/{self.session}?maxev=10&rid={uuid.uuid4().hex}", None, timeout=40)
        return r if isinstance(r, list) else [r]
