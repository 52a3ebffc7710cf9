#!/usr/bin/python3
"""echo_client.py — an aiortc client of parley.plugin.echo over the Janus
HTTP API (urllib in a worker thread; long-poll GETs for events).

It sends a synthetic 320x240 video track and a 440 Hz audio track, offers,
takes the answer from the "event" carrying the jsep, and counts what comes
back. It prints one JSON object per line on stdout:
  {"ready": true, "session": S, "handle": H}          once attached
  {"stats": {...}}                                    every second
  {"event": {...}}                                    every Janus event
and exits after --seconds (0 = until killed) or once --frames video frames of
the expected size and --audio audio frames came back (exit code 0), or 1 on
failure.

--sessions N runs N independent sessions in this process (output lines then
carry "index"); --kinds video sends video only (the bench uses both).

A jsep offer from the gateway (renegotiation) is answered. Note: aiortc 1.4
cannot restart ICE — RTCIceTransport.start() runs once and ignores new
remote credentials — so the ICE-restart e2e variant drives Chromium.
"""
import argparse
import asyncio
import logging
import os
import sys
import time

from aiortc import (RTCConfiguration, RTCPeerConnection,
                    RTCSessionDescription)

from janus_http import JanusSession  # noqa: E402
from synthetic import HEIGHT, WIDTH, Audio, Video, out  # noqa: E402  (also: loopback-only ICE)




async def one(args, index):
    tag = {"index": index} if args.sessions > 1 else {}
    janus = JanusSession(args.url)
    await janus.create(args.plugin)
    out({"ready": True, "session": janus.session, "handle": janus.handle, **tag})

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    if "audio" in args.kinds:
        pc.addTrack(Audio())
    if "video" in args.kinds:
        pc.addTrack(Video())
    stats = {"video_frames": 0, "video_ok": 0, "audio_frames": 0, "width": 0, "height": 0,
             "ice": "new", "answer": False, "renegotiations": 0,
             "ufrags": []}

    async def consume(track):
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            if track.kind == "video":
                stats["video_frames"] += 1
                stats["width"], stats["height"] = frame.width, frame.height
                if frame.width == WIDTH and frame.height == HEIGHT:
                    stats["video_ok"] += 1
            else:
                stats["audio_frames"] += 1

    @pc.on("track")
    def on_track(track):
        asyncio.ensure_future(consume(track))

    @pc.on("iceconnectionstatechange")
    def on_ice():
        stats["ice"] = pc.iceConnectionState

    await pc.setLocalDescription(await pc.createOffer())
    reply = await janus.message({"audio": True, "video": True},
                                {"type": "offer", "sdp": pc.localDescription.sdp})
    if reply.get("janus") not in ("ack", "success"):
        out({"error": reply})
        return 1

    done = asyncio.Event()

    async def events():
        while not done.is_set():
            try:
                batch = await janus.poll()
            except Exception as e:  # server gone or poll timeout
                out({"poll_error": str(e)})
                await asyncio.sleep(0.5)
                continue
            for ev in batch:
                if ev.get("janus") == "keepalive":
                    continue
                out({"event": {k: ev[k] for k in ev if k != "jsep"}, "has_jsep": "jsep" in ev, "sdp": ev.get("jsep", {}).get("sdp")})
                if ev.get("jsep", {}).get("type") == "offer":
                    # The gateway offers again (ICE restart): answer it.
                    try:
                        sdp = ev["jsep"]["sdp"]
                        stats["ufrags"].append(next((l[12:] for l in sdp.split("\r\n")
                                                     if l.startswith("a=ice-ufrag:")), None))
                        await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
                        await pc.setLocalDescription(await pc.createAnswer())
                        reply = await janus.message({}, {"type": "answer", "sdp": pc.localDescription.sdp})
                        if reply.get("janus") not in ("ack", "success"):
                            out({"error": reply})
                        stats["renegotiations"] += 1
                    except Exception as e:
                        out({"error": "renegotiation: %r" % e, "sdp": ev["jsep"]["sdp"]})
                elif ev.get("jsep", {}).get("type") == "answer":
                    try:
                        await pc.setRemoteDescription(RTCSessionDescription(ev["jsep"]["sdp"], "answer"))
                        stats["answer"] = True
                        stats["ufrags"].append(next((l[12:] for l in ev["jsep"]["sdp"].split("\r\n")
                                                     if l.startswith("a=ice-ufrag:")), None))
                    except Exception as e:
                        out({"error": "setRemoteDescription: %r" % e, "sdp": ev["jsep"]["sdp"]})

    poller = asyncio.ensure_future(events())
    deadline = time.time() + args.seconds if args.seconds > 0 else float("inf")
    rc = 1
    while time.time() < deadline:
        await asyncio.sleep(1)
        stats["ice"] = pc.iceConnectionState
        stats["conn"] = pc.connectionState
        out({"stats": stats, **tag})
        if args.seconds > 0 and stats["video_ok"] >= (args.frames if "video" in args.kinds else 0) and \
                stats["audio_frames"] >= (args.audio if "audio" in args.kinds else 0):
            rc = 0
            break
    if os.environ.get("ECHO_CLIENT_DEBUG"):
        for task in asyncio.all_tasks():
            task.print_stack(limit=4, file=sys.stderr)
    done.set()
    poller.cancel()
    await pc.close()
    try:
        await janus.destroy()
    except Exception:
        pass
    return rc



async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--plugin", default="parley.plugin.echo")
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--audio", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--sessions", type=int, default=1, help="PeerConnections run by this process")
    ap.add_argument("--kinds", default="audio,video", help="tracks to send: audio, video or both")
    args = ap.parse_args()
    args.kinds = set(args.kinds.split(","))
    if os.environ.get("ECHO_CLIENT_DEBUG"):
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)

    if not 1 <= args.sessions <= 50:
        out({"error": "--sessions must be 1..50"})
        return 1
    results = await asyncio.gather(*(one(args, i) for i in range(args.sessions)))
    return max(results)

if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
