"""Rotating long-lived access keys kept in the keyring, and their ages.

`rotate` never leaves the user without a working stored key: it creates the new key with the old
one, waits until the new one works (IAM takes a few seconds to make a key usable everywhere),
stores it, and only then deletes (or deactivates) the old key. When a step fails, the error says
which key is live and where it is stored, and a new key that never got stored is deleted again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xswitch.core import iam
from xswitch.core.errors import AwsError, CredentialError, UsageError, XswitchError
from xswitch.core.iam import masked
from xswitch.core.model import Credentials, Prompter
from xswitch.core.providers.base import DEFAULT_REGION

DEFAULT_WAIT = 60  # seconds the new key is given to start working
_RETRY_EVERY = 2.0
# What STS answers while a new key has not reached it yet.
_NOT_YET = ("InvalidClientTokenId", "SignatureDoesNotMatch", "AuthFailure")


@dataclass(frozen=True)
class Rotated:
    name: str
    user: str
    old_key: str
    new_key: str
    old_kept: bool  # deactivated rather than deleted


def rotate(
    name: str,
    env: Mapping[str, str],
    prompter: Prompter | None,
    *,
    keep_old: bool = False,
    wait: float = DEFAULT_WAIT,
    timeout: float = 15,
    progress: Callable[[str], None] = lambda _: None,
) -> Rotated:
    """Replace the keys stored as `name` with a new access key of the same IAM user: create it
    with the old key, wait until it works, store it, then retire the old key."""
    from xswitch.core.vault import Vault

    vault = Vault(env, prompter)
    old = _stored_keys(vault, name)
    old_iam = iam.client("iam", old, env, timeout=timeout, region=DEFAULT_REGION)
    user = _user_of(old, name, env, timeout)
    old_live = (
        f"The old key {masked(old.access_key_id)} is still live and still stored as '{name}'."
    )
    progress(f"Creating a new access key for IAM user {user}...")
    try:
        made = iam.call("CreateAccessKey", old_iam.create_access_key, UserName=user)["AccessKey"]
    except XswitchError as error:
        raise _step_failed("IAM did not create a new key", error, old_live, user) from None
    new = Credentials(str(made["AccessKeyId"]), str(made["SecretAccessKey"]))
    try:
        progress(f"Waiting until the new key {masked(new.access_key_id)} works...")
        _wait_until_usable(new, env, timeout, wait)
        vault.set_keys(name, new)
    except XswitchError as error:
        undone = _delete_quietly(old_iam, user, new.access_key_id)
        new_key = f" The new key {masked(new.access_key_id)}"
        state = old_live + (
            f"{new_key} was deleted again."
            if undone
            else f"{new_key} could not be deleted: delete it in IAM (user {user})."
        )
        raise _step_failed("The new key could not be put into use", error, state, user) from None
    progress(f"Stored the new key as '{name}'.")
    _retire(old, new, user, name, env, timeout, keep_old)
    return Rotated(name, user, old.access_key_id, new.access_key_id, keep_old)


def _stored_keys(vault: Any, name: str) -> Credentials:
    old: Credentials | None = vault.get_keys(name)
    if old is None:
        raise UsageError(
            f"No keys are stored under '{name}'.",
            "See 'xswitch keys list'. Only keys in xswitch's keyring are rotated: keys written "
            "in ~/.aws/credentials can be moved there with 'xswitch keys add NAME' (then "
            "removed from the file).",
        )
    if old.session_token:
        raise UsageError(
            f"The keys stored as '{name}' are temporary (they carry a session token).",
            "Only a user's long-lived access keys can be rotated.",
        )
    return old


def _user_of(old: Credentials, name: str, env: Mapping[str, str], timeout: float) -> str:
    """The IAM user the stored keys belong to (GetCallerIdentity)."""
    caller, _ = iam.caller(iam.client("sts", old, env, timeout=timeout, region=DEFAULT_REGION))
    if not caller.user_name:
        raise UsageError(
            f"The keys stored as '{name}' are not an IAM user's ({caller.arn}).",
            "Only an IAM user's access keys can be rotated.",
        )
    return caller.user_name


def _retire(
    old: Credentials,
    new: Credentials,
    user: str,
    name: str,
    env: Mapping[str, str],
    timeout: float,
    keep_old: bool,
) -> None:
    """Delete the old key (or deactivate it), signed with the new one, which is stored and
    works by now: a failure here leaves the user with a working stored key either way."""
    new_iam = iam.client("iam", new, env, timeout=timeout, region=DEFAULT_REGION)
    key = {"UserName": user, "AccessKeyId": old.access_key_id}
    try:
        if keep_old:
            iam.call("UpdateAccessKey", new_iam.update_access_key, **key, Status="Inactive")
        else:
            iam.call("DeleteAccessKey", new_iam.delete_access_key, **key)
    except XswitchError as error:
        verb = "deactivated" if keep_old else "deleted"
        command = (
            f"aws iam update-access-key --user-name {user} --access-key-id "
            f"{old.access_key_id} --status Inactive"
            if keep_old
            else f"aws iam delete-access-key --user-name {user} --access-key-id {old.access_key_id}"
        )
        raise CredentialError(
            f"The new key {masked(new.access_key_id)} works and is stored as '{name}', but the "
            f"old key {masked(old.access_key_id)} could not be {verb} and is still active: "
            f"{error}",
            f"Do it yourself in IAM (user {user}), e.g. '{command}'.",
        ) from None


def _wait_until_usable(
    new: Credentials, env: Mapping[str, str], timeout: float, wait: float
) -> None:
    """GetCallerIdentity with the new key until it works, through IAM's propagation delay."""
    deadline = time.monotonic() + wait
    while True:
        sts = iam.client("sts", new, env, timeout=timeout, region=DEFAULT_REGION)
        try:
            iam.caller(sts)
            return
        except AwsError as error:
            if error.code not in _NOT_YET or time.monotonic() + _RETRY_EVERY > deadline:
                raise CredentialError(
                    f"The new key still did not work after {wait:g} s ({error.code}).",
                    "IAM usually needs a few seconds; run the rotation again later, with a "
                    "longer --wait if it keeps happening.",
                ) from None
        time.sleep(_RETRY_EVERY)


def _delete_quietly(client: Any, user: str, key_id: str) -> bool:
    try:
        iam.call("DeleteAccessKey", client.delete_access_key, UserName=user, AccessKeyId=key_id)
    except XswitchError:
        return False
    return True


def _step_failed(what: str, error: XswitchError, state: str, user: str) -> XswitchError:
    hint = error.hint
    if isinstance(error, AwsError) and error.code == "LimitExceeded":
        hint = (
            f"IAM allows two access keys per user and {user} has two already: delete the one "
            "you no longer use (IAM > Users > Security credentials), then rotate again."
        )
    failure = CredentialError(f"{what}: {error.message} {state}", hint)
    failure.exit_code = error.exit_code
    return failure


@dataclass(frozen=True)
class KeyAge:
    name: str
    key_id: str
    created: datetime | None
    problem: str = ""  # why the age is unknown


def key_ages(
    names: list[str], env: Mapping[str, str], prompter: Prompter | None, timeout: float = 15
) -> list[KeyAge]:
    """The creation time of each stored key, from IAM (ListAccessKeys of its user)."""
    from xswitch.core.vault import Vault

    vault = Vault(env, prompter)
    ages = []
    for name in names:
        creds = vault.get_keys(name)
        if creds is None:
            continue
        try:
            sts = iam.client("sts", creds, env, timeout=timeout, region=DEFAULT_REGION)
            caller, _ = iam.caller(sts)
            if not caller.user_name or creds.session_token:
                ages.append(KeyAge(name, creds.access_key_id, None, "not an IAM user's key"))
                continue
            client = iam.client("iam", creds, env, timeout=timeout, region=DEFAULT_REGION)
            keys = iam.access_keys(client, caller.user_name)
        except XswitchError as error:
            reason = (
                "IAM did not allow ListAccessKeys"
                if iam.is_denied(error)
                else getattr(error, "code", "") or type(error).__name__
            )
            ages.append(KeyAge(name, creds.access_key_id, None, reason))
            continue
        created = next((k.created for k in keys if k.key_id == creds.access_key_id), None)
        ages.append(
            KeyAge(name, creds.access_key_id, created, "" if created else "not listed by IAM")
        )
    return ages
