"""A stand-in for a web browser, run by xswitch as its browser command.

It appends what it was started with (argv, one JSON line) to the file named by
$STANDIN_BROWSER_LOG, then behaves like a person at a browser on this machine: it opens the URL
it was given (the last argument, or the `url` of an `ext+container:` link) when it is a loopback
http address, follows redirects between loopback addresses, and on a consent page clicks "Allow"
(or "Deny" when $STANDIN_BROWSER_CLICK is "deny"). Every address it visited is logged too.
$STANDIN_BROWSER_STATE=tamper changes the `state` of a redirect back to the loopback listener, as
a forged redirect would.

Only the standard library: xswitch starts it detached, with its own environment.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _log(record: dict) -> None:
    path = os.environ.get("STANDIN_BROWSER_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")


def _target(argv: list[str]) -> str:
    url = argv[-1] if argv else ""
    if url.startswith("ext+container:"):
        query = urllib.parse.parse_qs(url[len("ext+container:") :])
        url = query.get("url", [""])[0]
    return url


def _visit(url: str) -> None:
    opener = urllib.request.build_opener(_NoRedirect)
    click = os.environ.get("STANDIN_BROWSER_CLICK", "allow")
    for _ in range(10):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
            _log({"visited": url, "status": None})
            return
        if "/oauth/callback" in parts.path and os.environ.get("STANDIN_BROWSER_STATE") == "tamper":
            url = re.sub(r"state=[^&]*", "state=forged", url)
        try:
            with opener.open(url, timeout=20) as answer:
                status, body, location = answer.status, answer.read().decode(), None
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode(errors="replace")
            location = error.headers.get("Location")
        _log({"visited": url, "status": status, "location": location})
        if location:
            url = urllib.parse.urljoin(url, location)
            continue
        wanted = "approve=1" if click == "allow" else "approve=0"
        link = re.search(r"href='([^']*" + re.escape(wanted) + ")'", body)
        if status == 200 and link:
            url = urllib.parse.urljoin(url, link.group(1).replace("&amp;", "&"))
            continue
        return


def main() -> int:
    argv = sys.argv[1:]
    _log({"argv": argv})
    url = _target(argv)
    if url:
        _visit(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
