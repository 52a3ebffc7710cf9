#!/usr/bin/python3
"""chat_client.py — an aiortc client of parley.plugin.chat (Janus TextRoom's
protocol) over a data channel, driven as Janus's TextRoom demo drives
janus.js: attach, {"request": "setup"}, answer the plugin's data-only
offer (with a channel "JanusDataChannel" of our own) and {"request":
"ack"}, then TextRoom requests as JSON text on the channel.

It joins --room as --username with the history, and prints one JSON
object per line:
  {"ready": true, "session", "handle"}
  {"phase": "joined", "before": [...], "answer": {...}}   everything the
      channel brought before the join's answer, each as {textroom, from,
      id, head (the text's first 24 characters), size, whisper}
  {"event": {...}}     each later message on the channel, whole
Then each line on stdin is a TextRoom request (JSON) sent as is on the
channel; an empty line or EOF ends the client (exit 0). On failure
{"error": ...} and exit code 1.
"""
import argparse
import asyncio
import json
import sys
import time

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from janus_http import JanusSession  # noqa: E402
from synthetic import out  # noqa: E402  (also: loopback-only ICE)




async def until(check, what, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(what)


def summary(m):
    text = m.get("text")
    return {"textroom": m.get("textroom"), "from": m.get("from"), "id": m.get("id"),
            "head": text[:24] if isinstance(text, str) else None,
            "size": len(text) if isinstance(text, str) else None, "whisper": m.get("whisper", False),
            "username": m.get("username"), "transaction": m.get("transaction")}


async def run(args):
    janus = JanusSession(args.url)
    await janus.create(args.plugin)
    out({"ready": True, "session": janus.session, "handle": janus.handle})
    reply = await janus.message({"request": "setup"})
    if reply.get("janus") not in ("ack", "success"):
        raise RuntimeError(f"setup refused: {reply}")
    offer = None
    deadline = time.time() + 20
    while offer is None and time.time() < deadline:
        for ev in await janus.poll():
            if ev.get("jsep", {}).get("type") == "offer":
                offer = ev["jsep"]["sdp"]
    if offer is None:
        raise TimeoutError("no offer from the plugin")

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
    channel = pc.createDataChannel("JanusDataChannel")
    inbox, state = [], {"open": False}
    channel.on("open", lambda: state.update(open=True))
    channel.on("message", lambda m: inbox.append(json.loads(m)))
    await pc.setLocalDescription(await pc.createAnswer())
    reply = await janus.message({"request": "ack"}, {"type": "answer", "sdp": pc.localDescription.sdp})
    if reply.get("janus") not in ("ack", "success"):
        raise RuntimeError(f"answer refused: {reply}")
    await until(lambda: state["open"], "the data channel open")

    channel.send(json.dumps({"textroom": "join", "transaction": "join", "room": args.room,
                             "username": args.username, "display": "aiortc", "history": True}))

    def answered():
        return any(m.get("transaction") == "join" for m in inbox)
    await until(answered, "the join's answer", 120)
    i = next(i for i, m in enumerate(inbox) if m.get("transaction") == "join")
    out({"phase": "joined", "before": [summary(m) for m in inbox[:i]], "answer": inbox[i]})
    del inbox[:i + 1]

    loop = asyncio.get_running_loop()
    lines = asyncio.Queue()

    def read_stdin():
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, "")
    loop.run_in_executor(None, read_stdin)
    while True:
        while inbox:
            out({"event": inbox.pop(0)})
        try:
            line = await asyncio.wait_for(lines.get(), 0.05)
        except asyncio.TimeoutError:
            continue
        if not line.strip():
            break
        channel.send(line.strip())
    await asyncio.sleep(0.2)
    while inbox:
        out({"event": inbox.pop(0)})
    await pc.close()
    try:
        await janus.destroy()
    except Exception:
        pass
    return 0


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--room", type=int, required=True)
    ap.add_argument("--username", required=True)
    ap.add_argument("--plugin", default="parley.plugin.chat")
    args = ap.parse_args()
    try:
        return await asyncio.wait_for(run(args), 240)
    except Exception as e:
        out({"error": repr(e)})
        return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
