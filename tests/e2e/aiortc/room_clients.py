#!/usr/bin/python3
"""room_clients.py — several aiortc participants of one parley.plugin.room
room in one asyncio loop (one process: cheaper than one each), over the
Janus HTTP API (urllib in worker threads; one long-poll per session).

Each participant: a session with two handles (main and subscriber),
joinRoom, attachSubscriber, one publishing PeerConnection (synthetic
--width x --height video (320x240) at --fps and a 440 Hz tone, sendonly, "produce"), and one
subscriber PeerConnection answering the plugin's "subscriberOffer"s (each
answer names the offer's version; an offer followed by a newer one in the
same long-poll answer is skipped; an answer the core refuses with 469
"Unexpected ANSWER" is followed by "restartIce"); it consumes every
producer it is told about (joinRoom's peers, newProducer).

When the gateway ends a PeerConnection (a Janus "hangup" event on its
handle), a fresh one takes its place: the subscriber's asks the plugin for a
full offer ("restartIce"), the publisher's produces fresh synthetic tracks
again. aiortc cannot restart ICE on a live pc, so a pc whose ICE state
becomes "failed" is handed to the same path: a Janus "hangup" request on
its handle ends the gateway's side (whose "hangup" event then renews it),
and the client renews it itself when no such event comes within 5 s.

A video stream whose packets keep coming while nothing decodes for 3 s gets
a fresh jitter buffer and a PLI, as a browser's receiver would do
(unstick_video: aiortc itself waits for 128 more packets).

Output, one JSON object per line on stdout:
  {"joined": i, "peerId": P}                          per participant
  {"stats": {P: {"ice": .., "pubIce": .., "pcLosses": {"sub": n, "pub": n},
             "iceFailures": n, "remote": {peerId: {producerId: {kind,
             frames, width, height, packets?, lost?, unstuck?}}}}}}
                                                      every second
  {"log": text} / {"error": text}
Commands on stdin, one per line: "kill I" (participant I vanishes: its
PeerConnections close and its session stops polling, with no leave and no
destroy), "leave I", "hangup-sub I" / "hangup-pub I" (the gateway is asked
to end that PeerConnection, as when consent expires: the participant renews
it as after any lost pc), "quit". Exits after --seconds (bounded, default
120).
--trace-routing logs, once per SSRC, each RTP packet aiortc's RTP router
drops ({"route": {...}}: the SSRC, payload type, the receivers registered
for that payload type and whether the SSRC is known), the evidence for the
m-line reuse rule of plugins/room/README.md, and each subscriber offer it
applies (version, consumers, m-lines).
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
from aiortc.jitterbuffer import JitterBuffer

from janus_http import JanusHttp  # noqa: E402
from synthetic import Audio, Video, out  # noqa: E402  (also: loopback-only ICE)

PLUGIN = "parley.plugin.room"
TRACE = False             # --trace-routing: also log each subscriber offer applied
EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=24)
STALL_SECONDS = 3.0       # a video stream whose packets come while nothing decodes this long is unstuck
GONE = ("Detach", "Shutdown")  # hangup reasons of a handle that goes away: nothing to renew


class JanusError(RuntimeError):
    """A Janus error answer; code is the Janus error code (469: the core's
    pc took no answer now, 462: the plugin refused, "<code> <text>")."""

    def __init__(self, text, code):
        super().__init__(text)
        self.code = code


def superseded(ev, later):
    """A subscriberOffer followed, in the same batch, by a newer one for the
    same handle: the plugin replaced it, an answer to it would be stale."""
    def is_offer(e):
        return e.get("janus") == "event" and e.get("plugindata", {}).get("data", {}).get("event") == "subscriberOffer"
    return is_offer(ev) and any(is_offer(e) and e.get("sender") == ev.get("sender") for e in later)


class Janus(JanusHttp):
    """One Janus session over HTTP; events are dispatched by sender handle."""

    def __init__(self, url):
        super().__init__(url, EXECUTOR)
        self.session = None
        self.handlers = {}   # handle -> async fn(data, jsep): plugin events
        self.hangups = {}    # handle -> async fn(reason): the gateway ended its pc

    async def create(self):
        r = await self.call("/janus", {"janus": "create", "transaction": uuid.uuid4().hex})
        self.session = r["data"]["id"]

    async def attach(self, on_event, on_hangup=None):
        r = await self.call(f"/janus/{self.session}", {"janus": "attach", "plugin": PLUGIN,
                                                      "transaction": uuid.uuid4().hex})
        handle = r["data"]["id"]
        self.handlers[handle] = on_event
        if on_hangup:
            self.hangups[handle] = on_hangup
        return handle

    async def hangup(self, handle):
        """Asks the gateway to end the handle's PeerConnection."""
        await self.call(f"/janus/{self.session}/{handle}", {"janus": "hangup", "transaction": uuid.uuid4().hex}, 10)

    async def message(self, handle, body, jsep=None):
        msg = {"janus": "message", "transaction": uuid.uuid4().hex, "body": body}
        if jsep:
            msg["jsep"] = jsep
        r = await self.call(f"/janus/{self.session}/{handle}", msg)
        if r.get("janus") == "error":
            raise JanusError("%s: %s" % (body.get("request"), r["error"].get("reason")), r["error"].get("code"))
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
            # one event at a time, in order: a handler runs to its end first
            events = batch if isinstance(batch, list) else [batch]
            for i, ev in enumerate(events):
                if not alive():
                    break
                sender, kind = ev.get("sender"), ev.get("janus")
                if superseded(ev, events[i + 1:]):
                    continue
                if kind == "event" and sender in self.handlers:
                    data = ev.get("plugindata", {}).get("data", {})
                    try:
                        await self.handlers[sender](data, ev.get("jsep"))
                    except Exception as e:
                        out({"error": "event %s: %r" % (data.get("event"), e)})
                elif kind == "hangup" and sender in self.hangups:
                    try:
                        await self.hangups[sender](ev.get("reason", ""))
                    except Exception as e:
                        out({"error": "hangup: %r" % e})


class Participant:
    def __init__(self, index, args):
        self.index, self.args = index, args
        self.janus = Janus(args.url)
        self.peer_id = None
        self.alive = True
        self.leaving = False      # set by stop(): pcs are not renewed any more
        self.consumers = {}       # mid -> consumer json (of the last offer)
        self.figs = {}            # mid -> figures of the stream it carries now
        self.watch = {}           # mid -> {"frames", "packets", "since"}: see unstick_video()
        self.remote = {}          # peerId -> producerId -> figures
        self.pc_losses = {"sub": 0, "pub": 0}
        self.ice_failures = 0
        self.sub_lock = asyncio.Lock()   # the subscriber pc: offers, renewal
        self.pub_lock = asyncio.Lock()   # the publishing pc: produce, renewal
        self.sub_pc = self.new_sub_pc()
        self.pub_pc = self.new_pub_pc()
        self.produced = None
        self.subscribed = asyncio.Event()  # attachSubscriber done: consume may go out
        self.tasks = []

    def new_sub_pc(self):
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.on("track", lambda track: self.on_track(pc, track))
        pc.on("iceconnectionstatechange", lambda: self.on_ice_state(pc, "sub"))
        return pc

    def new_pub_pc(self):
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.on("iceconnectionstatechange", lambda: self.on_ice_state(pc, "pub"))
        return pc

    async def start(self):
        await self.janus.create()
        self.main = await self.janus.attach(self.on_main_event, self.on_main_hangup)
        self.sub = await self.janus.attach(self.on_sub_event, self.on_sub_hangup)
        self.tasks.append(asyncio.ensure_future(self.janus.poll_forever(lambda: self.alive)))
        joined = await self.janus.message(self.main, {"request": "joinRoom", "roomId": self.args.room,
                                                      "metadata": {"name": "aiortc-%d" % self.index}})
        self.peer_id = joined["peerId"]
        await self.janus.message(self.sub, {"request": "attachSubscriber", "roomId": self.args.room,
                                            "peerId": self.peer_id})
        self.subscribed.set()
        async with self.pub_lock:
            await self.produce(self.pub_pc)
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
        # a newProducer can arrive between joinRoom and attachSubscriber
        await self.subscribed.wait()
        try:
            await self.janus.message(self.main, {"request": "consume", "producerIds": ids, "paused": False})
        except Exception as e:
            out({"error": "consume %d: %s" % (self.index, e)})

    async def produce(self, pc):
        """Fresh synthetic tracks on `pc`, offered with "produce"; returns
        once the answer is applied. The answer comes as a "produced" event
        from the long-poll: never called from an event handler."""
        audio = pc.addTransceiver(Audio(6000), direction="sendonly")
        video = pc.addTransceiver(Video(self.args.fps, 40 * self.index % 256, self.args.width, self.args.height), direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        sources = {audio.mid: "mic", video.mid: "camera"}
        self.produced = asyncio.get_running_loop().create_future()
        await self.janus.message(self.main, {"request": "produce", "sources": sources},
                                 {"type": "offer", "sdp": pc.localDescription.sdp})
        answer = await asyncio.wait_for(self.produced, 20)
        if pc is self.pub_pc:
            await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))

    async def renew_pub(self, old, reason):
        """The publishing pc `old` is gone: a fresh one produces again."""
        async with self.pub_lock:
            if old is not self.pub_pc or not self.alive or self.leaving:
                return
            self.pc_losses["pub"] += 1
            out({"log": "participant %d: publishing pc ended (%s): a fresh one" % (self.index, reason)})
            self.pub_pc = self.new_pub_pc()
            await old.close()
            try:
                await self.produce(self.pub_pc)
            except Exception as e:
                out({"error": "participant %d: produce again: %r" % (self.index, e)})

    async def renew_sub(self, old, reason):
        """The subscriber pc `old` is gone: a fresh one, and the plugin sends
        a full offer for it."""
        async with self.sub_lock:
            if old is not self.sub_pc or not self.alive or self.leaving:
                return
            self.pc_losses["sub"] += 1
            out({"log": "participant %d: subscriber pc ended (%s): a fresh one" % (self.index, reason)})
            self.sub_pc = self.new_sub_pc()
            await old.close()
            await self.janus.message(self.sub, {"request": "restartIce"})

    async def on_main_hangup(self, reason):
        if reason in GONE:
            return
        # produce waits for an event of this very long-poll: not inline
        self.tasks.append(asyncio.ensure_future(self.renew_pub(self.pub_pc, reason)))

    async def on_sub_hangup(self, reason):
        if reason not in GONE:
            await self.renew_sub(self.sub_pc, reason)

    def on_ice_state(self, pc, which):
        if pc.iceConnectionState == "failed" and self.alive and not self.leaving and pc in (self.sub_pc, self.pub_pc):
            self.tasks.append(asyncio.ensure_future(self.ice_failed(pc, which)))

    async def ice_failed(self, pc, which):
        """ICE failed on a live pc: the gateway's side is ended too (its
        hangup event renews ours); without that event within 5 s, ours is
        renewed here."""
        self.ice_failures += 1
        out({"log": "participant %d: %s ICE failed" % (self.index, which)})
        try:
            await self.janus.hangup(self.sub if which == "sub" else self.main)
        except Exception as e:
            out({"log": "participant %d: hangup request: %s" % (self.index, e)})
        await asyncio.sleep(5)
        if which == "sub":
            await self.renew_sub(pc, "ICE failed")
        else:
            await self.renew_pub(pc, "ICE failed")

    async def on_main_event(self, data, jsep):
        name, payload = data.get("event"), data.get("data", {})
        if name == "produced" and jsep and self.produced and not self.produced.done():
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
        offer = data.get("data", {})
        async with self.sub_lock:
            pc = self.sub_pc
            listed = {c["mid"]: c for c in offer.get("consumers", [])}
            self.consumers = listed
            # aiortc keeps an m-line's track when the plugin reuses the m-line
            # for another stream (no new "track" event): count into new figures
            for mid, c in listed.items():
                fig = self.figs.get(mid)
                if fig is not None and fig["consumerId"] != c["consumerId"]:
                    self.figs[mid] = self.new_fig(c)
            if TRACE:
                out({"log": "participant %d: offer %s, %d consumers, %d m-lines" % (
                    self.index, offer.get("version"), len(listed), jsep["sdp"].count("\r\nm="))})
            await pc.setRemoteDescription(RTCSessionDescription(jsep["sdp"], "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
            body = {"request": "subscriberAnswer"}
            if offer.get("version") is not None:
                body["version"] = offer["version"]
            try:
                await self.janus.message(self.sub, body, {"type": "answer", "sdp": pc.localDescription.sdp})
            except JanusError as e:
                # stale (410): the newer offer follows; 469: the core's pc took
                # an earlier answer, only a fresh offer gets it back
                out({"log": "participant %d: answer %s refused: %s" % (self.index, offer.get("version"), e)})
                if e.code == 469:
                    await self.janus.message(self.sub, {"request": "restartIce"})

    def on_track(self, pc, track):
        if pc is not self.sub_pc:
            return
        mid = next((t.mid for t in pc.getTransceivers() if t.receiver.track is track), None)
        c = self.consumers.get(mid)
        if c is None:
            out({"log": "participant %d: a track on mid %s no consumer announced" % (self.index, mid)})
            return
        # a renewed pc carries the same consumers: their counts go on
        known = self.remote.get(c["peerId"], {}).get(c["producerId"])
        self.figs[mid] = known if known and known["consumerId"] == c["consumerId"] else self.new_fig(c)
        self.tasks.append(asyncio.ensure_future(self.count(pc, track, mid)))

    def new_fig(self, c):
        fig = {"kind": c["kind"], "frames": 0, "width": 0, "height": 0, "consumerId": c["consumerId"]}
        self.remote.setdefault(c["peerId"], {})[c["producerId"]] = fig
        return fig

    async def count(self, pc, track, mid):
        while self.alive:
            try:
                frame = await track.recv()
            except Exception:
                return
            if pc is not self.sub_pc:
                return
            fig = self.figs[mid]
            fig["frames"] += 1
            if fig["kind"] == "video":
                fig["width"], fig["height"] = frame.width, frame.height

    def unstick_video(self):
        """Once a second: receive figures of each video stream, and what a
        browser does for a stream it cannot decode. aiortc 1.4 keeps every
        frame behind one lost packet (a retransmission that never came) in its
        jitter buffer until 128 more packets arrived — half a minute of a 5 fps
        screen share — and only then asks for a keyframe; Chromium drops the
        frame it cannot complete and asks at once. When packets keep coming and
        no frame decoded for STALL_SECONDS: a fresh jitter buffer and a PLI."""
        now = time.monotonic()
        for t in self.sub_pc.getTransceivers():
            fig = self.figs.get(t.mid)
            if fig is None or fig["kind"] != "video":
                continue
            r = t.receiver
            rtx = getattr(r, "_RTCRtpReceiver__rtx_ssrc", {})
            streams = {ssrc: st for ssrc, st in getattr(r, "_RTCRtpReceiver__remote_streams", {}).items()
                       if ssrc not in rtx}
            fig["packets"] = sum(st.packets_received for st in streams.values())
            fig["lost"] = sum(st.packets_lost for st in streams.values())
            w = self.watch.get(t.mid)
            if w is None or w["frames"] != fig["frames"] or fig["packets"] < w["packets"]:
                self.watch[t.mid] = {"frames": fig["frames"], "packets": fig["packets"], "since": now}
                continue
            if now - w["since"] < STALL_SECONDS or fig["packets"] == w["packets"] or not streams:
                continue
            out({"log": "participant %d: mid %s: %d packets (%d lost) and no frame for %.0f s: "
                        "a fresh jitter buffer and a PLI" % (self.index, t.mid, fig["packets"] - w["packets"],
                                                              fig["lost"], now - w["since"])})
            r._RTCRtpReceiver__jitter_buffer = JitterBuffer(capacity=128, is_video=True)
            for ssrc in streams:
                asyncio.ensure_future(r._send_rtcp_pli(ssrc))
            fig["unstuck"] = fig.get("unstuck", 0) + 1
            self.watch[t.mid] = {"frames": fig["frames"], "packets": fig["packets"], "since": now}

    def stats(self):
        return {"index": self.index, "ice": self.sub_pc.iceConnectionState,
                "pubIce": self.pub_pc.iceConnectionState, "pcLosses": self.pc_losses,
                "iceFailures": self.ice_failures, "remote": self.remote}

    async def stop(self, graceful):
        if not self.alive:
            return
        self.leaving = True
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
        elif line[0] in ("hangup-sub", "hangup-pub") and len(line) == 2 and line[1].isdigit() \
                and int(line[1]) < len(participants):
            # the gateway ends that pc (as when consent expires); the hangup
            # event that follows renews it like any other lost pc
            p = participants[int(line[1])]
            await p.janus.hangup(p.sub if line[0] == "hangup-sub" else p.main)
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
    ap.add_argument("--width", type=int, default=320)
    ap.add_argument("--height", type=int, default=240)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--trace-routing", action="store_true")
    args = ap.parse_args()
    if args.trace_routing:
        global TRACE
        TRACE = True
        trace_routing()
    if (not 1 <= args.peers <= 16 or not 1 <= args.fps <= 30 or not 16 <= args.width <= 1920
            or not 16 <= args.height <= 1080 or not 0 < args.seconds <= 7200):
        out({"error": "--peers 1..16, --fps 1..30, --width 16..1920, --height 16..1080, --seconds 0..7200"})
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
        for p in participants:
            if p.alive:
                p.unstick_video()
        out({"stats": {p.peer_id: p.stats() for p in participants if p.alive}})
    reader.cancel()
    for p in participants:
        await p.stop(graceful=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
