#!/usr/bin/python3
"""datachannel_client.py — an aiortc client of parley.plugin.echo's data
channels over the Janus HTTP API (janus_http.py), beside a synthetic audio
and video track in one BUNDLE group (aiortc writes the legacy
"m=application ... DTLS/SCTP 5000" + a=sctpmap form).

It opens four channels — "chat" (reliable, ordered), "bin", "fast"
(unordered, 3 retransmissions at most), "timed" (5000 ms lifetime) — sends
on each what the test checks and prints one JSON object per line:
  {"phase": "exchanged", ...}   the echoes (described: type, length, sha256)
then waits for a line on stdin (the test reads admin handle_info
meanwhile), closes "chat" itself, asks the plugin to close "timed"
({"close_data": "timed"}), and prints
  {"phase": "closed", ...}
and exits 0; on failure {"error": ...} and exit code 1. --max is the
maximum message size the gateway is configured with: a message that size
goes both ways, one byte more is sent anyway (aiortc does not check the
peer's a=max-message-size) and must get no echo while the channel keeps
working.
"""
import argparse
import asyncio
import hashlib
import sys
import time

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from janus_http import JanusSession  # noqa: E402
from synthetic import Audio, Video, out  # noqa: E402  (also: loopback-only ICE)




def describe(m):
    data = m.encode() if isinstance(m, str) else m
    return {"type": "text" if isinstance(m, str) else "binary", "length": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


async def until(check, what, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(what)


async def run(args):
    janus = JanusSession(args.url)
    await janus.create("parley.plugin.echo")
    out({"ready": True, "session": janus.session, "handle": janus.handle})
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(Audio())
    pc.addTrack(Video())
    frames = {"video": 0}

    async def consume(track):
        while True:
            try:
                await track.recv()
            except Exception:
                return
            if track.kind == "video":
                frames["video"] += 1

    pc.on("track", lambda track: asyncio.ensure_future(consume(track)))

    options = {"chat": {}, "bin": {}, "fast": {"ordered": False, "maxRetransmits": 3},
               "timed": {"maxPacketLifeTime": 5000}}
    channels, inbox, opened, closed = {}, {}, set(), set()
    for label, opts in options.items():
        ch = pc.createDataChannel(label, **opts)
        channels[label] = ch
        inbox[label] = []
        ch.on("message", lambda m, label=label: inbox[label].append(m))
        ch.on("open", lambda label=label: opened.add(label))
        ch.on("close", lambda label=label: closed.add(label))

    await pc.setLocalDescription(await pc.createOffer())
    reply = await janus.message({"audio": True, "video": True}, {"type": "offer", "sdp": pc.localDescription.sdp})
    if reply.get("janus") not in ("ack", "success"):
        raise RuntimeError(f"offer refused: {reply}")
    answer = None
    deadline = time.time() + 20
    while answer is None and time.time() < deadline:
        for ev in await janus.poll():
            if ev.get("jsep", {}).get("type") == "answer":
                answer = ev["jsep"]["sdp"]
    if answer is None:
        raise TimeoutError("no answer from the plugin")
    await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    await until(lambda: opened == set(options), f"channels open: {sorted(opened)}")

    texts = ["hello", "", "ünïcödé ✓ 数据", "x" * args.max]
    binaries = [b"", b"\x01\x02\x03", bytes((i * 7 + 3) & 0xff for i in range(args.max))]
    for t in texts:
        channels["chat"].send(t)
    for b in binaries:
        channels["bin"].send(b)
    await until(lambda: len(inbox["chat"]) >= len(texts) and len(inbox["bin"]) >= len(binaries),
                "text and binary echoes")
    # One byte over the gateway's maximum: aiortc sends it; the gateway drops it.
    channels["bin"].send(b"o" * (args.max + 1))
    channels["bin"].send(b"after the refused one")
    await until(lambda: len(inbox["bin"]) >= len(binaries) + 1, "the echo after the refused message")
    for i in range(50):
        channels["fast"].send(f"f{i}")
    for i in range(10):
        channels["timed"].send(bytes([i]))
    await until(lambda: len(inbox["fast"]) >= 50 and len(inbox["timed"]) >= 10, "unordered and timed echoes")
    await until(lambda: frames["video"] > 0, "video frames beside the data")
    await asyncio.sleep(0.5)   # anything late (a wrongly echoed oversized message) shows up now
    out({"phase": "exchanged", "sent_text": [describe(t) for t in texts], "chat": [describe(m) for m in inbox["chat"]],
         "sent_bin": [describe(b) for b in binaries], "bin": [describe(m) for m in inbox["bin"]],
         "fast": sorted(inbox["fast"]), "timed": [m[0] for m in inbox["timed"]], "video_frames": frames["video"],
         "ids": {label: ch.id for label, ch in channels.items()},
         "remote_data": [l for l in answer.split("\r\n") if l.startswith(("m=application", "a=sctp", "a=max-message"))]})

    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    channels["chat"].close()
    await until(lambda: "chat" in closed, "chat closed")
    reply = await janus.message({"close_data": "timed"})
    await until(lambda: "timed" in closed, "timed closed by the server")
    # The others still echo.
    channels["fast"].send("still here")
    await until(lambda: "still here" in inbox["fast"], "an echo after the closes")
    out({"phase": "closed", "closed": sorted(closed), "close_reply": reply.get("janus"),
         "states": {label: ch.readyState for label, ch in channels.items()}})
    await pc.close()
    try:
        await janus.destroy()
    except Exception:
        pass
    return 0


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--max", type=int, required=True)
    args = ap.parse_args()
    try:
        return await asyncio.wait_for(run(args), 90)
    except Exception as e:
        out({"error": repr(e)})
        return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
