#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) that keeps every message it receives as a file.

    scripts/smtp-sink.py DIR [--port N] [--host H]

Each message lands in DIR as NNNNNN.eml (written whole, then renamed, so a reader never sees
half a message), with an `X-Envelope-To:` line first. Port 0 picks a free port; the port in
use is printed as `PORT <n>` on the first line of standard output. The tests, the browser
tests and the fan-out benchmark start it; it stops on SIGTERM or SIGINT.
"""

import argparse
import asyncio
import itertools
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        path = os.path.join(self.folder, f"{n:06d}.eml")
        tmp = path + ".part"
        head = ("X-Envelope-To: " + ", ".join(envelope.rcpt_tos) + "\r\n").encode()
        with open(tmp, "wb") as f:
            f.write(head)
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, path)
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.folder, exist_ok=True)
    port = args.port
    if port == 0:
        import socket

        with socket.socket() as s:
            s.bind((args.host, 0))
            port = s.getsockname()[1]
    controller = Controller(Keep(args.folder), hostname=args.host, port=port, data_size_limit=10_000_000)
    controller.start()
    print(f"PORT {port}", flush=True)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
