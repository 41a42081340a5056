"""`xswitch keys` at a terminal: the encrypted file keyring's passphrase, the key prompts with
stdout captured, piped stdin, replacing stored keys, and what `remove` says."""

from __future__ import annotations

import os
import subprocess

from termtesting import BIN, echo_state

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
OTHER_ID = "AKIAI44QH8DHBEXAMPLE"
OTHER_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
FILE_KEYRING = {"XSWITCH_KEYRING_BACKEND": "file"}


def keys(*args: str, input: str | None = None, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "xswitch"), "keys", *args],
        capture_output=True,
        text=True,
        input=input,
        env=dict(os.environ, **extra),
        timeout=60,
    )


def stored_key_id(name: str) -> str | None:
    from xswitch.core.vault import Vault

    creds = Vault(dict(os.environ)).get_keys(name)
    return creds.access_key_id if creds else None


def test_file_keyring_passphrase_and_hidden_secret_on_the_terminal(term, isolated):
    t = term.run('xswitch keys add me >out.txt 2>err.txt; echo "rc=$?"', **FILE_KEYRING)
    t.expect(r"Choose a passphrase for .*: ")
    t.type("correct horse")
    t.expect("Repeat it: ")
    t.type("correct horse")
    t.expect("Access key ID: ")
    t.type(KEY_ID)
    t.expect(r"Secret access key \(hidden\): ")
    t.type(SECRET)
    assert t.report("rc") == "0"
    assert t.finish() == 0
    assert SECRET not in t.screen and "correct horse" not in t.screen
    assert "Stored keys AKIA…MPLE as 'me'" in (term.tmp_path / "err.txt").read_text()

    # Another process: a wrong passphrase is refused with the reason, the right one unlocks.
    t = term.run('xswitch keys list >out.txt; echo "rc=$?"; cat out.txt', **FILE_KEYRING)
    t.expect(r"Enter the passphrase for .*: ")
    t.type("wrong horse")
    t.expect("That passphrase does not unlock the file.")
    t.expect(r"Enter the passphrase for .*: ")
    t.type("correct horse")
    assert t.report("rc") == "0"
    t.expect("me")
    assert t.finish() == 0


def test_ctrl_c_at_the_passphrase_and_key_prompts(term, isolated):
    t = term.run(f'xswitch keys add me; echo "rc=$?"; {echo_state()}', **FILE_KEYRING)
    t.expect(r"Choose a passphrase for .*: ")
    t.child.send("half")
    t.ctrl_c()
    assert t.report("rc") == "130"
    assert t.report("ECHO") == "echo"  # getpass turned echo off; it is back on
    assert t.finish() == 0

    t = term.run(f'xswitch keys add me; echo "rc=$?"; {echo_state()}')
    t.expect("Access key ID: ")
    t.type(KEY_ID)
    t.expect(r"Secret access key \(hidden\): ")
    t.child.send(SECRET[:10])
    t.ctrl_c()
    assert t.report("rc") == "130"
    assert t.report("ECHO") == "echo"
    assert t.finish() == 0
    assert stored_key_id("me") is None
    assert not isolated.xswitch_config.exists()  # no half-registered profile either


def test_piped_stdin_still_works_at_a_terminal(term, isolated):
    t = term.run(
        f"printf '%s\\n%s\\n' {KEY_ID} '{SECRET}' | xswitch keys add me >out.txt 2>&1; "
        'echo "rc=$?"'
    )
    assert t.report("rc") == "0"
    assert t.finish() == 0
    assert "Access key ID" not in t.screen
    assert stored_key_id("me") == KEY_ID


def test_replacing_stored_keys_asks_first(term, isolated):
    assert keys("add", "me", input=f"{KEY_ID}\n{SECRET}\n").returncode == 0

    t = term.run('xswitch keys add me; echo "rc=$?"')
    t.expect(r"Keys AKIA…MPLE are already stored as 'me'\. Replace them\? \[y/N\] ")
    t.type("n")
    assert t.report("rc") == "2"
    assert "nothing was changed" in t.screen
    assert t.finish() == 0
    assert stored_key_id("me") == KEY_ID

    t = term.run('xswitch keys add me; echo "rc=$?"')
    t.expect(r"Replace them\? \[y/N\] ")
    t.type("y")
    t.expect("Access key ID: ")
    t.type(OTHER_ID)
    t.expect(r"Secret access key \(hidden\): ")
    t.type(OTHER_SECRET)
    assert t.report("rc") == "0"
    assert t.finish() == 0
    assert stored_key_id("me") == OTHER_ID


def test_replacing_stored_keys_from_stdin_needs_force(isolated):
    assert keys("add", "me", input=f"{KEY_ID}\n{SECRET}\n").returncode == 0
    refused = keys("add", "me", "--stdin", input=f"{OTHER_ID}\n{OTHER_SECRET}\n")
    assert refused.returncode == 2
    assert "already stored as 'me'" in refused.stderr and "--force" in refused.stderr
    assert stored_key_id("me") == KEY_ID
    forced = keys("add", "me", "--stdin", "--force", input=f"{OTHER_ID}\n{OTHER_SECRET}\n")
    assert forced.returncode == 0, forced.stderr
    assert stored_key_id("me") == OTHER_ID


def test_remove_names_the_profiles_that_still_use_the_keys(isolated):
    assert keys("add", "me", input=f"{KEY_ID}\n{SECRET}\n").returncode == 0
    isolated.write_aws_config(
        """
        [profile dev]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = me

        [profile other]
        role_arn = arn:aws:iam::111111111111:role/Other
        source_profile = someone-else
        """
    )
    result = keys("remove", "me")
    assert result.returncode == 0, result.stderr
    assert "Removed keys 'me'" in result.stderr
    assert "still use the name 'me': dev, me." in result.stderr
    assert "other" not in result.stderr


def test_the_passphrase_is_asked_on_the_terminal_inside_eval(term, isolated, moto):
    stored = keys(
        "add", "me", input=f"{KEY_ID}\n{SECRET}\n", XSWITCH_KEYRING_PASSPHRASE="correct horse",
        **FILE_KEYRING,
    )  # fmt: skip
    assert stored.returncode == 0, stored.stderr
    isolated.write_aws_config(
        """
        [profile dev]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = me
        """
    )
    script = 'eval "$(xswitch export dev)"; echo "key=${AWS_ACCESS_KEY_ID:-none}"'
    t = term.run(script, **FILE_KEYRING)
    t.expect(r"Enter the passphrase for .*keyring\.cfg: ")
    t.type("correct horse")
    assert t.report("key").startswith("ASIA")
    assert t.finish() == 0


def test_a_broken_config_toml_is_reported_before_the_keys_are_asked_for(term, isolated):
    isolated.xswitch_config.parent.mkdir(parents=True, exist_ok=True)
    isolated.xswitch_config.write_text('shell = "bash"\n')  # belongs under [settings]

    t = term.run('xswitch keys add me; echo "rc=$?"')
    assert t.report("rc") == "2"
    assert t.finish() == 0
    assert "unknown key 'shell'" in t.screen
    assert "Access key ID" not in t.screen  # nothing typed for nothing

    piped = keys("add", "me", input=f"{KEY_ID}\n{SECRET}\n")
    assert piped.returncode == 2, piped.stderr
    assert stored_key_id("me") is None  # not stored with its profile left unregistered
