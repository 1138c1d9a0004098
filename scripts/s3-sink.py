#!/usr/bin/env python3
"""An S3-compatible server for the tests and scripts/cluster: moto's, on 127.0.0.1.

    s3-sink.py BUCKET [--port N]

Starts the server (port 0: a free one), creates BUCKET, prints "PORT n" on one line and
serves until its standard input closes or it is stopped. Credentials are not checked: any
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY will do.
"""
import argparse
import sys
import urllib.request

from moto.server import ThreadedMotoServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("bucket")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    port = server._server.server_port  # the port bound (the one asked for, or a free one)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/{args.bucket}", method="PUT")
    urllib.request.urlopen(request).read()
    print(f"PORT {port}", flush=True)
    try:
        # the parent closes our standard input (or ends) when it is done with us
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
