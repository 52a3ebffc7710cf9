"""synthetic.py — what the aiortc test clients share: loopback-only ICE
gathering, one-JSON-object-per-line output, and synthetic media tracks
(a moving-line 320x240 video and a 440 Hz tone).

aioice gathers on every interface except loopback; the tests run in a
network namespace that has only lo, so importing this module makes aioice
offer 127.0.0.1 explicitly; it also gives every ICE socket a larger
receive buffer (below).
"""
import asyncio
import fractions
import json
import math
import socket
import time

import aioice.ice
import numpy
from aiortc import MediaStreamTrack
from av import AudioFrame, VideoFrame

WIDTH, HEIGHT = 320, 240

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []

# A bigger receive buffer on every ICE socket: these clients decode many
# streams in Python on the same 2 cores as the gateway, and a burst of CPU
# starvation overflowed the buffer aioice asks for (256 KiB, capped by
# rmem_max: 208 KiB on a stock Debian): the kernel's drop counters showed
# the loss in the clients' sockets, none in parleyd's. Set after aioice
# gathered (it sets its own size then); SO_RCVBUFFORCE passes rmem_max when
# run as root, as the netns tests are.
RECEIVE_BUFFER = 4 * 1024 * 1024
_gather_candidates = aioice.ice.Connection.gather_candidates


def _force_receive_buffer(sock):
    for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
        try:
            if option is not None:
                sock.setsockopt(socket.SOL_SOCKET, option, RECEIVE_BUFFER)
                return
        except OSError:
            continue


async def _gather_candidates_with_buffer(self):
    await _gather_candidates(self)
    for protocol in self._protocols:
        sock = protocol.transport.get_extra_info("socket") if protocol.transport else None
        if sock is not None:
            _force_receive_buffer(sock)


aioice.ice.Connection.gather_candidates = _gather_candidates_with_buffer


def out(obj):
    print(json.dumps(obj), flush=True)


class Video(MediaStreamTrack):
    """width x height (WIDTHxHEIGHT by default) at `fps`: a white line moving
    down; the background is `shade` in the blue channel, or a green ramp when
    shade is None."""
    kind = "video"

    def __init__(self, fps=30, shade=None, width=WIDTH, height=HEIGHT):
        super().__init__()
        self.fps, self.shade, self.n, self.start = fps, shade, 0, None
        self.width, self.height = width, height

    async def recv(self):
        if self.start is None:
            self.start = time.time()
        self.n += 1
        wait = self.start + self.n / self.fps - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        img = numpy.zeros((self.height, self.width, 3), numpy.uint8)
        if self.shade is None:
            img[:, :, 1] = (self.n * 4) % 256
        else:
            img[:, :, 0] = self.shade
        img[(self.n * 3) % self.height, :, :] = 255
        frame = VideoFrame.from_ndarray(img, format="bgr24")
        frame.pts = int(self.n * 90000 / self.fps)
        frame.time_base = fractions.Fraction(1, 90000)
        return frame


class Audio(MediaStreamTrack):
    """A 440 Hz tone, 48 kHz mono, 20 ms frames."""
    kind = "audio"

    def __init__(self, amplitude=8000):
        super().__init__()
        self.amplitude, self.n, self.start = amplitude, 0, None

    async def recv(self):
        if self.start is None:
            self.start = time.time()
        samples = 960
        wait = self.start + self.n * samples / 48000 - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (numpy.arange(samples) + self.n * samples) / 48000
        pcm = (numpy.sin(2 * math.pi * 440 * t) * self.amplitude).astype(numpy.int16).reshape(1, -1)
        frame = AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = 48000
        frame.pts = self.n * samples
        frame.time_base = fractions.Fraction(1, 48000)
        self.n += 1
        return frame
