"""A moto server (the real STS/IAM wire protocol) on 127.0.0.1 with a network delay per request.

Run as a child of the benchmark: prints its port on stdout, serves until stdin closes. The delay
stands in for the round trip to the real STS endpoint, which is what parallel refresh overlaps.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    moto_app = DomainDispatcherApplication(create_backend_app)
    delay = args.latency_ms / 1000

    def delayed(environ, start_response):
        if delay and not environ.get("PATH_INFO", "").startswith("/moto-api"):
            time.sleep(delay)
        return moto_app(environ, start_response)

    server = make_server("127.0.0.1", 0, delayed, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()  # the benchmark closes our stdin when it is done
    server.shutdown()


if __name__ == "__main__":
    main()
