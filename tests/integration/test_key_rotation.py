"""`xswitch keys rotate` end to end against moto's IAM and STS: the new key is stored and the old
one deleted (or deactivated); IAM's propagation delay is waited through; a new key that never
starts working leaves the old key live and stored, and the new one deleted again."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from xswitch.core.model import Credentials


def xswitch(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        timeout=120,
    )


class LaggingSts:
    """A front for moto where a key is refused by STS (InvalidClientTokenId, as AWS answers
    before a new key has propagated) for the first `lag` GetCallerIdentity calls signed with it;
    the old key is always accepted, and everything else goes to moto unchanged."""

    def __init__(self, upstream: str, old_key: str, lag: int) -> None:
        self.upstream, self.old_key, self.lag = upstream, old_key, lag
        self.refused: list[str] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                signed = re.search(r"Credential=(\w+)/", self.headers.get("Authorization", ""))
                key = signed.group(1) if signed else ""
                identity = b"Action=GetCallerIdentity" in body
                if identity and key != front.old_key and front.refused.count(key) < front.lag:
                    front.refused.append(key)
                    self._answer(403, _INVALID_TOKEN, "text/xml")
                    return
                # The Host header is kept: moto checks the signature, which covers it.
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                request = urllib.request.Request(
                    front.upstream + self.path, data=body, headers=headers, method="POST"
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, data, kind = answer.status, answer.read(), answer.headers
                except urllib.error.HTTPError as error:
                    status, data, kind = error.code, error.read(), error.headers
                self._answer(status, data, kind.get("Content-Type", "text/xml"))

            def _answer(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


_INVALID_TOKEN = (
    b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
    b"<Code>InvalidClientTokenId</Code><Message>The security token included in the request is "
    b"invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>"
)


@pytest.fixture
def stored_me(moto, isolated):
    """User 'me' in moto (IAM authorization enforced) with one key, stored as 'me'."""
    iam = moto.client("iam")
    iam.create_user(UserName="me")
    iam.put_user_policy(
        UserName="me",
        PolicyName="own-keys",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":'
        '["iam:*AccessKey*","sts:GetCallerIdentity"],"Resource":"*"}]}',
    )
    key = iam.create_access_key(UserName="me")["AccessKey"]
    stdin = f"{key['AccessKeyId']}\n{key['SecretAccessKey']}\n"
    assert xswitch("keys", "add", "me", "--stdin", input=stdin).returncode == 0
    moto.enforce_auth(True)
    yield Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    moto.enforce_auth(False)


def stored(name: str = "me") -> Credentials | None:
    from xswitch.core.vault import Vault

    return Vault(dict(os.environ)).get_keys(name)


def keys_of_me(moto) -> dict[str, str]:
    moto.enforce_auth(False)
    try:
        listed = moto.client("iam").list_access_keys(UserName="me")["AccessKeyMetadata"]
    finally:
        moto.enforce_auth(True)
    return {k["AccessKeyId"]: k["Status"] for k in listed}


def works(moto, creds: Credentials) -> bool:
    import boto3
    from botocore.exceptions import ClientError

    sts = boto3.client(
        "sts",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
    )
    try:
        return sts.get_caller_identity()["Arn"].endswith(":user/me")
    except ClientError:
        return False


def test_rotate_stores_the_new_key_and_deletes_the_old(moto, stored_me):
    done = xswitch("keys", "rotate", "me")
    assert done.returncode == 0, done.stderr
    new = stored()
    assert new is not None and new.access_key_id != stored_me.access_key_id
    assert keys_of_me(moto) == {new.access_key_id: "Active"}
    assert works(moto, new) and not works(moto, stored_me)
    assert new.secret_access_key not in done.stdout + done.stderr
    assert "was deleted" in done.stderr

    listed = xswitch("keys", "list", "--ages")
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^me\tAKIA…\w{4}\t0 days old$", listed.stdout, re.M), listed.stdout


def test_rotate_keep_old_deactivates_it(moto, stored_me):
    done = xswitch("keys", "rotate", "me", "--keep-old")
    assert done.returncode == 0, done.stderr
    new = stored()
    assert keys_of_me(moto) == {new.access_key_id: "Active", stored_me.access_key_id: "Inactive"}


def test_rotate_waits_through_the_propagation_delay(moto, stored_me, monkeypatch):
    front = LaggingSts(moto.url, stored_me.access_key_id, lag=2)
    monkeypatch.setenv("AWS_ENDPOINT_URL", front.url)
    done = xswitch("keys", "rotate", "me")
    assert done.returncode == 0, done.stderr
    new = stored()
    assert front.refused == [new.access_key_id] * 2  # refused twice, then it worked
    assert keys_of_me(moto) == {new.access_key_id: "Active"}


def test_a_new_key_that_never_works_leaves_the_old_one_live_and_stored(
    moto, stored_me, monkeypatch
):
    front = LaggingSts(moto.url, stored_me.access_key_id, lag=1000)
    monkeypatch.setenv("AWS_ENDPOINT_URL", front.url)
    done = xswitch("keys", "rotate", "me", "--wait", "3")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    masked = stored_me.access_key_id[:4] + "…" + stored_me.access_key_id[-4:]
    assert f"The old key {masked} is still live and still stored as 'me'" in done.stderr
    assert "was deleted again" in done.stderr
    # The failure came between create and delete: the old key is stored and works; the new
    # key was made (and refused) and is gone again.
    assert front.refused
    still = stored()
    assert (still.access_key_id, still.secret_access_key) == (
        stored_me.access_key_id,
        stored_me.secret_access_key,
    )
    assert keys_of_me(moto) == {stored_me.access_key_id: "Active"}
    assert works(moto, stored_me)


def test_rotate_unknown_name_is_a_usage_error(isolated):
    done = xswitch("keys", "rotate", "nobody")
    assert done.returncode == 2
    assert "No keys are stored under 'nobody'" in done.stderr


def test_an_old_key_that_cannot_be_deleted_is_named_with_the_working_new_one(moto, stored_me):
    moto.enforce_auth(False)
    moto.client("iam").put_user_policy(
        UserName="me",
        PolicyName="own-keys",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":'
        '["iam:CreateAccessKey","iam:ListAccessKeys","sts:GetCallerIdentity"],"Resource":"*"}]}',
    )
    moto.enforce_auth(True)
    done = xswitch("keys", "rotate", "me")
    assert done.returncode == 1
    new = stored()
    assert new is not None and new.access_key_id != stored_me.access_key_id
    assert works(moto, new)
    masked_new = new.access_key_id[:4] + "…" + new.access_key_id[-4:]
    assert f"The new key {masked_new} works and is stored as 'me'" in done.stderr
    assert "could not be deleted and is still active" in done.stderr
    assert (
        f"aws iam delete-access-key --user-name me --access-key-id {stored_me.access_key_id}"
        in (done.stderr)
    )
    assert keys_of_me(moto) == {stored_me.access_key_id: "Active", new.access_key_id: "Active"}
