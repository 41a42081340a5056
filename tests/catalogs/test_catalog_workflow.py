"""The platform engineer's side: a catalog declared by hand in config.toml, local work in the
clone kept through pulls, and names from the catalog shown escaped."""

from __future__ import annotations

import json

from catalogtesting import ACME, git, xswitch

CLONE = ".local/share/xswitch/catalogs/team"


def test_a_catalog_declared_in_config_toml_is_cloned_by_pull(team, me):
    team.commit(ACME)
    me.write_xswitch_config(
        f"""
        [settings]
        catalog_pull_hours = 0   # no background pull: this test pulls itself

        [catalogs.team]
        url = "{team.url}"
        """
    )
    listed = xswitch("catalog", "list")
    assert "never pulled" in listed.stdout
    assert "not cloned yet: run 'xswitch catalog pull team'" in listed.stdout
    assert "acme-prod" not in xswitch("list").stdout
    pulled = xswitch("catalog", "pull")
    assert pulled.returncode == 0, pulled.stderr
    assert "team: nothing -> " in pulled.stdout
    assert "  ! production now: acme" in pulled.stdout
    assert "acme-prod" in xswitch("list").stdout


def test_local_work_in_the_clone_survives_a_pull(team, me):
    team.commit(ACME)
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    clone = me.root / CLONE
    edited = ACME + "\n# reviewed by the platform team\n"
    (clone / "catalog.toml").write_text(edited)
    new = team.commit(ACME.replace("Production", "Production: ticket needed"))
    pulled = xswitch("catalog", "pull", "team")
    assert pulled.returncode == 0, pulled.stderr
    assert "  ~ client: acme" in pulled.stdout
    assert "the clone holds local work" in pulled.stdout
    assert (clone / "catalog.toml").read_text() == edited  # not overwritten
    rows = json.loads(xswitch("list", "--json").stdout)
    assert rows  # the new commit is in use
    state = json.loads((me.root / ".local/share/xswitch/catalogs/team.state.json").read_text())
    assert state["commit"] == new
    assert git("rev-parse", "HEAD", cwd=clone).strip() != new


def test_names_from_a_catalog_are_shown_escaped(team, me):
    team.commit(ACME)
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    team.commit(
        ACME
        + """
        [clients."evil\\u001b]0;owned\\u0007"]
        name = "Evil"
        prod = true
        """.replace("        ", "")
    )
    pulled = xswitch("catalog", "pull", "team")
    assert pulled.returncode == 0, pulled.stderr
    assert "\x1b" not in pulled.stdout and "\x07" not in pulled.stdout
    assert "  ! production now: evil\\x1b]0;owned\\x07" in pulled.stdout
    listed = xswitch("list")
    assert "\x1b" not in listed.stdout
