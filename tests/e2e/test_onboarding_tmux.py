"""The picker's onboarding keys in a real terminal (the real `xswitch` in tmux, moto for AWS):
`a` opens the add-a-client form, a bad role ARN is refused in the form, a good one is written
and tried at once; `d` runs doctor on the selected profile and shows its checks in the details."""

from __future__ import annotations

import re
import shutil
import tomllib

import pytest
from test_picker_prompts_tmux import quit_and_check, run_picker, terminal_env

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

# Not the form's placeholder (…/role/Contractor): waiting for the typed text must not see that.
ROLE = "arn:aws:iam::123456789012:role/Consultant"


@pytest.fixture
def own_keys(isolated, moto):
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    return isolated


def fill(terminal, text: str, then: str = "Enter") -> None:
    """Type `text` into the focused field, and once it shows, press `then`."""
    terminal.type(text)
    terminal.wait_text(text)
    terminal.keys(then)


def test_a_adds_a_client_in_the_form_and_tries_its_role(own_keys, tmp_path):
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path))
    try:
        terminal.wait_text("me")
        terminal.type("a")
        terminal.wait_text("Add a client")
        fill(terminal, "acme")
        fill(terminal, "arn:aws:iam::1234:role/Contractor", then="C-s")
        terminal.wait_text("is not the ARN of an IAM role")
        assert not own_keys.xswitch_config.exists()
        terminal.keys("C-u")  # clear the field, type the right ARN
        fill(terminal, ROLE)
        fill(terminal, "generate", then="C-s")
        # The generated external ID is shown once, then doctor's checks fill the details.
        screen = terminal.wait_text("External ID for acme")
        config = tomllib.loads(own_keys.xswitch_config.read_text())
        external_id = config["profiles"]["acme"]["external_id"]
        assert len(external_id) >= 32 and external_id in screen
        terminal.keys("Escape")
        screen = terminal.wait_text(f"ok   AssumeRole {ROLE}")
        assert "doctor acme" in screen
        assert config["profiles"]["acme"]["source_profile"] == "me"
        assert quit_and_check(terminal, marker) == "0"
    finally:
        terminal.close()


def test_d_shows_doctors_checks_in_the_details(own_keys, tmp_path, moto):
    own_keys.write_aws_config(
        f"""
        [profile acme-dev]
        role_arn = {ROLE}
        source_profile = me
        region = eu-west-1
        """
    )
    moto.enforce_auth(True)  # the example keys are unknown to moto's IAM: a failure to explain
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path))
    try:
        terminal.wait_text("acme-dev")
        terminal.keys("Right")
        terminal.type("d")
        screen = terminal.wait_text("fail source credentials work")
        assert "doctor acme-dev" in screen
        assert "ok   endpoint" in screen
        assert "InvalidClientTokenId" in screen
        assert quit_and_check(terminal, marker) == "0"
    finally:
        terminal.close()
        moto.enforce_auth(False)


def test_the_proposed_source_is_the_users_own_keys_and_typing_replaces_it(own_keys, tmp_path):
    own_keys.write_aws_config(
        """
        [profile aaa-chained]
        role_arn = arn:aws:iam::111111111111:role/Reader
        source_profile = me
        """
    )
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path))
    try:
        terminal.wait_text("aaa-chained")
        terminal.type("a")
        terminal.wait_text("Add a client")
        fill(terminal, "acme")
        fill(terminal, ROLE)
        terminal.keys("Enter")  # no external ID
        # The source proposed is the profile holding keys, not the role listed before it...
        screen = terminal.wait_text("Source profile")
        assert re.search(r"Source profile\s+me\s", screen)
        # ...and what is typed there replaces the proposal.
        fill(terminal, "me", then="C-s")
        terminal.wait_text("doctor acme")
        config = tomllib.loads(own_keys.xswitch_config.read_text())
        assert config["profiles"]["acme"]["source_profile"] == "me"
        assert quit_and_check(terminal, marker) == "0"
    finally:
        terminal.close()
