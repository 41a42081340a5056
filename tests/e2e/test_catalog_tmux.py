"""A shared catalog in the real picker, in tmux: its clients with their production badge and
colour, where the selected profile comes from, and a failed background update told once without
keeping the picker from starting."""

from __future__ import annotations

import json
import shutil

import pytest
from test_picker_prompts_tmux import quit_and_check, run_picker, terminal_env

from catalogs.catalogtesting import ACME, TeamRepo, xswitch

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

BETA = """
[clients.beta]
name = "Beta Labs"
color = "#30a46c"

[profiles.beta-dev]
client = "beta"
role_arn = "arn:aws:iam::222222222222:role/Developer"
source_profile = "me"
"""


@pytest.fixture
def followed(isolated, tmp_path, monkeypatch):
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Platform Engineer")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "platform@example.com")
    isolated.write_aws_config("[profile me]\nregion = eu-west-1\n")
    isolated.write_aws_credentials(
        "[me]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    )
    team = TeamRepo(tmp_path / "server")
    team.commit(ACME + BETA)
    added = xswitch("catalog", "add", "team", team.url)
    assert added.returncode == 0, added.stderr
    return team


def test_the_picker_shows_catalog_clients_and_names_the_source(followed, isolated, tmp_path):
    env = terminal_env(tmp_path, COLORTERM="truecolor")
    terminal, marker = run_picker(tmp_path, env)
    try:
        screen = terminal.wait_text("Beta Labs")
        acme = next(line for line in screen.splitlines() if "Acme Corp" in line)
        beta = next(line for line in screen.splitlines() if "Beta Labs" in line)
        assert "PROD" in acme and "PROD" not in beta
        # The selected profile's details name the catalog it comes from.
        screen = terminal.wait_text("shared catalog 'team' (git)")
        assert "acme-prod" in screen
        # Each client's swatch is drawn in its catalog colour (24-bit SGR in tmux's copy); the
        # selected client's row is drawn in the cursor's colours, so each is looked at unselected.
        coloured = terminal.tmux("capture-pane", "-p", "-e", "-t", "t")
        assert "38;2;48;164;108m▌" in coloured  # Beta Labs: #30a46c
        terminal.keys("2")
        terminal.wait_text("beta-dev")
        coloured = terminal.tmux("capture-pane", "-p", "-e", "-t", "t")
        assert "38;2;229;72;77m▌" in coloured  # Acme Corp: #e5484d
        assert quit_and_check(terminal, marker) == "0"
    finally:
        terminal.close()


def test_a_failed_update_is_told_once_and_the_picker_still_starts(followed, isolated, tmp_path):
    followed.commit('[clients.acme]\nprod = "sometimes"\n', "a malformed commit")
    state_file = isolated.root / ".local/share/xswitch/catalogs/team.state.json"
    state = json.loads(state_file.read_text())
    state_file.write_text(json.dumps({**state, "attempted_at": "2020-01-01T00:00:00Z"}))
    # What the daily background pull does (here in the foreground, to know when it is done).
    assert xswitch("catalog", "pull", "--background").returncode == 0
    env = terminal_env(tmp_path)
    terminal, marker = run_picker(tmp_path, env)
    try:
        screen = terminal.wait_text("The last update of catalog")
        assert "Acme Corp" in screen  # the last good copy
        assert "team/catalog.toml: clients.acme.prod" in screen.replace("\n", " ")
        terminal.wait_text("must be true or false")
        assert quit_and_check(terminal, marker) == "0"
    finally:
        terminal.close()
    terminal, marker = run_picker(tmp_path, env)
    try:
        screen = terminal.wait_text("acme-prod")
        assert quit_and_check(terminal, marker) == "0"
        assert "The last update of catalog" not in terminal.screen()
    finally:
        terminal.close()
