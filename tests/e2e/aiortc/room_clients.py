#!/usr/bin/python3
"""room_clients.py — several aiortc participants of one parley.plugin.room
room in one asyncio loop (one process: cheaper than one each), over the
Janus HTTP API (urllib in worker threads; one long-poll per session).

Each participant: a session with two handles (main and subscriber),
joinRoom, attachSubscriber, one publishing PeerConnection (synthetic
320x240 video at --fps and a 440 Hz tone, sendonly, "produce"), and one
subscriber PeerConnection answering the plugin's "subscriberOffer"s; it
consumes every producer it is told about (joinRoom's peers, newProducer).

Output, one JSON object per line on stdout:
  {"joined": i, "peerId": P}                          per participant
  {"stats": {P: {"ice": .., "remote": {peerId: {producerId: {kind, frames,
             width, height}}}}}}                      every second
  {"log": text} / {"error": text}
Commands on stdin, one per line: "kill I" (participant I vanishes: its
PeerConnections close and its session stops polling, with no leave and no
destroy), "leave I", "quit". Exits after --seconds (bounded, default 120).
--trace-routing logs, once per SSRC, each RTP packet aiortc's RTP router
drops ({"route": {...}}: the SSRC, payload type, the receivers registered
for that payload type and whether the SSRC is known), the evidence for the
m-line reuse rule of plugins/room/README.md.
"""
import argparse
import asyncio
import concurrent.futures
import logging
import os
import sys
import time
import uuid

from aiortc import (RTCConfiguration, RTCPeerConnection,
                    RTCSessionDescription)

from janus_http import JanusHttp  # noqa: E402
from synthetic import Audio, Video, out  # noqa: E402  (also: loopback-only ICE)

PLUGIN = "parley.plugin.room"
EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=24)


class Janus(JanusHttp):
    """One Janus session over HTTP; events are dispatched by sender handle."""

    def __init__(self, url):
        super().__init__(url, EXECUTOR)
        self.session = None
        self.handlers = {}

    async def create(self):
        r = await self.call("/janus", {"janus": "create", "transaction": uuid.uuid4().hex})
        self.session = r["data"]["id"]

    async def attach(self, on_event):
        r = await self.call(f"/janus/{self.session}", {"janus": "attach", "plugin": PLUGIN,
                                                      "transaction": uuid.uuid4().hex})
        handle = r["data"]["id"]
        self.handlers[handle] = on_event
        return handle

    async def message(self, handle, body, jsep=None):
        msg = {"janus": "message", "transaction": uuid.uuid4().hex, "body": body}
        if jsep:
            msg["jsep"] = jsep
        r = await self.call(f"/janus/{self.session}/{handle}", msg)
        if r.get("janus") == "error":
            raise RuntimeError("%s: %s" % (body.get("request"), r["error"].get("reason")))
        return r.get("plugindata", {}).get("data")

    async def poll_forever(self, alive):
        failures = 0
        while alive():
            try:
                batch = await self.call(f"/janus/{self.session}?maxev=10&rid={uuid.uuid4().hex}", None, 40)
                failures = 0
            except Exception as e:  # poll timeout or server gone
                failures += 1
                if failures > 20:
                    out({"error": "long-poll keeps failing: %s" % e})
                    return
                await asyncio.sleep(0.5)
                continue
            for ev in batch if isinstance(batch, list) else [batch]:
                fn = self.handlers.get(ev.get("sender"))
                if fn and ev.get("janus") == "event" and alive():
                    data = ev.get("plugindata", {}).get("data", {})
                    try:
                        await fn(data, ev.get("jsep"))
                    except Exception as e:
                        out({"error": "event %s: %r" % (data.get("event"), e)})


class Participant:
    def __init__(self, index, args):
        self.index, self.args = index, args
        self.janus = Janus(args.url)
        self.peer_id = None
        self.alive = True
        self.consumers = {}       # mid -> consumer json (of the last offer)
        self.figs = {}            # mid -> figures of the stream it carries now
        self.remote = {}          # peerId -> producerId -> figures
        self.sub_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pub_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.sub_pc.on("track", self.on_track)
        self.produced = asyncio.get_running_loop().create_future()
        self.tasks = []

    async def start(self):
        await self.janus.create()
        self.main = await self.janus.attach(self.on_main_event)
        self.sub = await self.janus.attach(self.on_sub_event)
        self.tasks.append(asyncio.ensure_future(self.janus.poll_forever(lambda: self.alive)))
        joined = await self.janus.message(self.main, {"request": "joinRoom", "roomId": self.args.room,
                                                      "metadata": {"name": "aiortc-%d" % self.index}})
        self.peer_id = joined["peerId"]
        await self.janus.message(self.sub, {"request": "attachSubscriber", "roomId": self.args.room,
                                            "peerId": self.peer_id})
        audio = self.pub_pc.addTransceiver(Audio(6000), direction="sendonly")
        video = self.pub_pc.addTransceiver(Video(self.args.fps, 40 * self.index % 256), direction="sendonly")
        await self.pub_pc.setLocalDescription(await self.pub_pc.createOffer())
        sources = {audio.mid: "mic", video.mid: "camera"}
        await self.janus.message(self.main, {"request": "produce", "sources": sources},
                                 {"type": "offer", "sdp": self.pub_pc.localDescription.sdp})
        answer = await asyncio.wait_for(self.produced, 20)
        await self.pub_pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        out({"joined": self.index, "peerId": self.peer_id})
        ids = [p["producerId"] for peer in joined.get("peers", []) for p in peer.get("producers", [])]
        if ids:
            await self.consume(ids)
        self.tasks.append(asyncio.ensure_future(self.heartbeat()))

    async def heartbeat(self):
        while self.alive:
            await asyncio.sleep(20)
            if self.alive:
                try:
                    await self.janus.message(self.main, {"request": "heartbeat"})
                    await self.janus.call(f"/janus/{self.janus.session}",
                                          {"janus": "keepalive", "transaction": uuid.uuid4().hex}, 10)
                except Exception as e:
                    out({"log": "heartbeat %d: %s" % (self.index, e)})

    async def consume(self, ids):
        try:
            await self.janus.message(self.main, {"request": "consume", "producerIds": ids, "paused": False})
        except Exception as e:
            out({"error": "consume %d: %s" % (self.index, e)})

    async def on_main_event(self, data, jsep):
        name, payload = data.get("event"), data.get("data", {})
        if name == "produced" and jsep and not self.produced.done():
            self.produced.set_result(jsep)
        elif name == "newProducer":
            await self.consume([payload["producerId"]])
        elif name == "producerClosed":
            self.remote.get(payload.get("peerId"), {}).pop(payload.get("producerId"), None)
        elif name == "peerLeft":
            self.remote.pop(payload.get("peerId"), None)
        elif name == "error" and not payload.get("request"):
            out({"error": "participant %d: %s" % (self.index, payload)})

    async def on_sub_event(self, data, jsep):
        if data.get("event") != "subscriberOffer" or not jsep:
            return
        listed = {c["mid"]: c for c in data.get("data", {}).get("consumers", [])}
        self.consumers = listed
        # aiortc keeps an m-line's track when the plugin reuses the m-line
        # for another stream (no new "track" event): count into new figures
        for mid, c in listed.items():
            fig = self.figs.get(mid)
            if fig is not None and fig["consumerId"] != c["consumerId"]:
                self.figs[mid] = self.new_fig(c)
        await self.sub_pc.setRemoteDescription(RTCSessionDescription(jsep["sdp"], "offer"))
        await self.sub_pc.setLocalDescription(await self.sub_pc.createAnswer())
        await self.janus.message(self.sub, {"request": "subscriberAnswer"},
                                 {"type": "answer", "sdp": self.sub_pc.localDescription.sdp})

    def on_track(self, track):
        mid = next((t.mid for t in self.sub_pc.getTransceivers() if t.receiver.track is track), None)
        c = self.consumers.get(mid)
        if c is None:
            out({"log": "participant %d: a track on mid %s no consumer announced" % (self.index, mid)})
            return
        self.figs[mid] = self.new_fig(c)
        self.tasks.append(asyncio.ensure_future(self.count(track, mid)))

    def new_fig(self, c):
        fig = {"kind": c["kind"], "frames": 0, "width": 0, "height": 0, "consumerId": c["consumerId"]}
        self.remote.setdefault(c["peerId"], {})[c["producerId"]] = fig
        return fig

    async def count(self, track, mid):
        while self.alive:
            try:
                frame = await track.recv()
            except Exception:
                return
            fig = self.figs[mid]
            fig["frames"] += 1
            if fig["kind"] == "video":
                fig["width"], fig["height"] = frame.width, frame.height

    def stats(self):
        return {"index": self.index, "ice": self.sub_pc.iceConnectionState,
                "pubIce": self.pub_pc.iceConnectionState, "remote": self.remote}

    async def stop(self, graceful):
        if not self.alive:
            return
        if graceful:
            try:
                await self.janus.message(self.main, {"request": "leaveRoom"})
                await self.janus.call(f"/janus/{self.janus.session}",
                                      {"janus": "destroy", "transaction": uuid.uuid4().hex}, 5)
            except Exception:
                pass
        self.alive = False
        await self.pub_pc.close()
        await self.sub_pc.close()
        for t in self.tasks:
            t.cancel()


async def commands(participants, done):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while not done.is_set():
        line = (await reader.readline()).decode().split()
        if not line:
            if reader.at_eof():
                return
            continue
        if line[0] == "quit":
            done.set()
        elif line[0] in ("kill", "leave") and len(line) == 2 and line[1].isdigit() and int(line[1]) < len(participants):
            await participants[int(line[1])].stop(graceful=line[0] == "leave")
            out({"log": "participant %s: %s" % (line[1], line[0])})


def trace_routing():
    """Wraps aiortc's RtpRouter.route_rtp: reports each SSRC it drops, once."""
    from aiortc.rtcdtlstransport import RtpRouter
    original = RtpRouter.route_rtp
    reported = set()

    def route_rtp(self, packet):
        receiver = original(self, packet)
        if receiver is None and packet.ssrc not in reported:
            reported.add(packet.ssrc)
            pt_receivers = self.payload_type_table.get(packet.payload_type, set())
            out({"route": {"dropped_ssrc": packet.ssrc, "pt": packet.payload_type,
                           "receivers_for_pt": len(pt_receivers),
                           "ssrc_known": packet.ssrc in self.ssrc_table,
                           "registered_ssrcs": sorted(self.ssrc_table)[:64]}})
        return receiver

    RtpRouter.route_rtp = route_rtp


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="Janus HTTP base, e.g. http://127.0.0.1:8088")
    ap.add_argument("--room", required=True)
    ap.add_argument("--peers", type=int, default=4)
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--trace-routing", action="store_true")
    args = ap.parse_args()
    if args.trace_routing:
        trace_routing()
    if not 1 <= args.peers <= 16 or not 1 <= args.fps <= 30 or not 0 < args.seconds <= 7200:
        out({"error": "--peers 1..16, --fps 1..30, --seconds 0..7200"})
        return 2
    if os.environ.get("ROOM_CLIENTS_DEBUG"):
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    participants = [Participant(i, args) for i in range(args.peers)]
    try:
        for p in participants:
            await p.start()
    except Exception as e:
        out({"error": "start: %r" % e})
        for p in participants:
            await p.stop(graceful=True)
        return 1
    done = asyncio.Event()
    reader = asyncio.ensure_future(commands(participants, done))
    deadline = time.time() + args.seconds
    while time.time() < deadline and not done.is_set():
        try:
            await asyncio.wait_for(done.wait(), 1)
        except asyncio.TimeoutError:
            pass
        out({"stats": {p.peer_id: p.stats() for p in participants if p.alive}})
    reader.cancel()
    for p in participants:
        await p.stop(graceful=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
