"""`xswitch catalog ...` and the layering, end to end: real git repositories on disk (a bare
repository reached through a file:// URL, a clone where commits are made), the real xswitch in
subprocesses."""

from __future__ import annotations

import json
import os
import tomllib

from catalogtesting import ACME, TeamRepo, git, xswitch


def rows() -> dict[str, dict]:
    result = xswitch("list", "--json")
    assert result.returncode == 0, result.stderr
    return {row["profile"]: row for row in json.loads(result.stdout)}


def test_add_shows_the_catalog_clients_with_their_source(team, me):
    commit = team.commit(ACME)
    added = xswitch("catalog", "add", "team", team.url)
    assert added.returncode == 0, added.stderr
    assert commit[:10] in added.stdout
    row = rows()["acme-prod"]
    assert row["client"] == "Acme Corp"
    assert row["prod"] is True
    assert row["source"] == "catalog:team"
    assert row["role_arn"] == "arn:aws:iam::111111111111:role/ReadOnly"
    assert rows()["me"]["source"] == "aws"
    config = tomllib.loads(me.xswitch_config.read_text())
    assert config["catalogs"]["team"] == {"url": team.url, "ref": "main"}
    listed = xswitch("catalog", "list")
    assert listed.returncode == 0
    assert "team  branch main" in listed.stdout
    assert "1 client, 1 profile" in listed.stdout


def test_pull_after_a_new_commit_reports_what_changed_prod_first(team, me):
    team.commit(
        ACME
        + """
        [clients.staging]
        name = "Staging"

        [profiles.staging-ro]
        client = "staging"
        role_arn = "arn:aws:iam::222222222222:role/ReadOnly"
        source_profile = "me"
        """.replace("        ", "")
    )
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    assert rows()["staging-ro"]["prod"] is False
    new = team.commit(
        ACME
        + """
        [clients.staging]
        name = "Staging"
        prod = true

        [profiles.staging-admin]
        client = "staging"
        role_arn = "arn:aws:iam::222222222222:role/Admin"
        source_profile = "me"
        """.replace("        ", "")
    )
    pulled = xswitch("catalog", "pull")
    assert pulled.returncode == 0, pulled.stderr
    lines = pulled.stdout.splitlines()
    assert lines[0].startswith("team: ") and lines[0].endswith(new[:10])
    assert lines[1] == "  ! production now: staging"
    assert "  ~ client: staging" in lines
    assert "  + profile: staging-admin" in lines
    assert "  - profile: staging-ro" in lines
    after = rows()
    assert after["staging-admin"]["prod"] is True
    assert "staging-ro" not in after
    again = xswitch("catalog", "pull", "team")
    assert again.returncode == 0
    assert again.stdout.strip() == f"team: up to date (commit {new[:10]})."
    # The clone followed the good commit.
    assert (
        git("rev-parse", "HEAD", cwd=me.root / ".local/share/xswitch/catalogs/team").strip() == new
    )


def test_a_malformed_commit_keeps_the_last_good_copy(team, me):
    good = team.commit(ACME)
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    team.commit(ACME + '\n[clients.beta]\nname = "Beta\n', "broken quote")
    pulled = xswitch("catalog", "pull", "team")
    assert pulled.returncode == 2
    assert "team/catalog.toml:15: is not valid TOML" in pulled.stderr
    assert "last good copy stays in use" in pulled.stderr
    assert "Traceback" not in pulled.stderr
    listed = xswitch("list", "--json")
    assert listed.returncode == 0
    assert sorted(row["profile"] for row in json.loads(listed.stdout)) == ["acme-prod", "me"]
    state = json.loads((me.root / ".local/share/xswitch/catalogs/team.state.json").read_text())
    assert state["commit"] == good
    # A commit with a client the catalog does not define is refused the same way.
    team.commit(ACME.replace('client = "acme"', 'client = "nobody"'))
    pulled = xswitch("catalog", "pull", "team")
    assert pulled.returncode == 2
    assert "team/catalog.toml:8: profile 'acme-prod' belongs to client 'nobody'" in pulled.stderr


def test_a_secret_is_refused_with_its_line_and_nothing_is_kept(team, me):
    team.commit(ACME + 'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n')
    added = xswitch("catalog", "add", "team", team.url)
    assert added.returncode == 2
    assert "team/catalog.toml:13: holds a secret (aws_secret_access_key)" in added.stderr
    assert "rotate" in added.stderr
    assert "wJalr" not in added.stderr + added.stdout
    assert not me.xswitch_config.exists()
    assert not (me.root / ".local/share/xswitch/catalogs/team").exists()


def test_an_access_key_id_anywhere_is_refused(team, me):
    assert xswitch("catalog", "add", "team", team.url).returncode == 2  # no catalog.toml yet
    team.commit(ACME.replace('notes = "Production"', 'notes = "old key AKIAIOSFODNN7EXAMPLE"'))
    added = xswitch("catalog", "add", "team", team.url)
    assert added.returncode == 2
    assert "team/catalog.toml:5: holds an AWS access key ID" in added.stderr
    assert "AKIAIOSFODNN7EXAMPLE" not in added.stderr


def test_commands_only_from_an_allowed_catalog(team, me):
    team.commit(
        ACME
        + """
        [profiles.vault]
        client = "acme"
        credential_process = "/usr/local/bin/fetch-creds acme"
        """.replace("        ", "")
    )
    refused = xswitch("catalog", "add", "team", team.url)
    assert refused.returncode == 2
    assert "team/catalog.toml:16: profile 'vault' sets credential_process" in refused.stderr
    assert "allow_commands = true" in refused.stderr
    allowed = xswitch("catalog", "add", "team", team.url, "--allow-commands")
    assert allowed.returncode == 0, allowed.stderr
    assert rows()["vault"]["kind"] == "process"
    # Taking the permission back leaves the catalog out, and says why.
    config = me.xswitch_config.read_text().replace("allow_commands = true\n", "")
    me.xswitch_config.write_text(config)
    listed = xswitch("list", "--json")
    assert listed.returncode == 0
    assert "vault" not in listed.stdout
    assert "Catalog 'team' is left out: its profile 'vault' runs a command" in listed.stderr
    shown = xswitch("catalog", "list")
    assert "left out: its profile 'vault' runs a command and it is not allowed to" in shown.stdout


def test_the_users_own_config_wins(team, me):
    team.commit(
        ACME
        + """
        [profiles.acme-dev]
        client = "acme"
        role_arn = "arn:aws:iam::111111111111:role/Developer"
        source_profile = "me"
        """.replace("        ", "")
    )
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    with me.xswitch_config.open("a") as config:
        config.write(
            """
[clients.acme]
name = "ACME (mine)"
prod = false

[profiles.acme-prod]
role_arn = "arn:aws:iam::111111111111:role/Mine"
source_profile = "me"
client = "acme"

[profiles.acme-dev]
tags = ["daily"]
"""
        )
    after = rows()
    assert after["acme-prod"]["role_arn"] == "arn:aws:iam::111111111111:role/Mine"
    assert after["acme-prod"]["source"] == "config.toml"
    assert after["acme-prod"]["prod"] is False
    assert after["acme-prod"]["client"] == "ACME (mine)"
    # A table with grouping keys only regroups the catalog's profile without replacing it.
    assert after["acme-dev"]["tags"] == ["daily"]
    assert after["acme-dev"]["role_arn"] == "arn:aws:iam::111111111111:role/Developer"
    assert after["acme-dev"]["source"] == "catalog:team"


def test_two_catalogs_merge_without_duplicates(tmp_path, me):
    team = TeamRepo(tmp_path / "server", "team")
    platform = TeamRepo(tmp_path / "server", "platform")
    team.commit(
        ACME
        + """
        [profiles.shared]
        client = "acme"
        role_arn = "arn:aws:iam::111111111111:role/FromTeam"
        source_profile = "me"
        """.replace("        ", "")
    )
    platform.commit(
        """
        [clients.acme]
        name = "Acme Corp"
        color = "green"
        profiles = ["acme-prod"]

        [profiles.acme-ops]
        client = "acme"
        role_arn = "arn:aws:iam::111111111111:role/Ops"
        source_profile = "me"

        [profiles.shared]
        client = "acme"
        role_arn = "arn:aws:iam::111111111111:role/FromPlatform"
        source_profile = "me"
        """
    )
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    assert xswitch("catalog", "add", "platform", platform.url).returncode == 0
    listed = xswitch("list", "--json")
    data = json.loads(listed.stdout)
    names = [row["profile"] for row in data]
    assert sorted(names) == ["acme-ops", "acme-prod", "me", "shared"]
    acme = [row for row in data if row["client_key"] == "acme"]
    assert {row["client"] for row in acme} == {"Acme Corp"}
    assert all(row["prod"] for row in acme)  # from team; platform does not turn it off
    by_name = {row["profile"]: row for row in data}
    assert by_name["shared"]["role_arn"].endswith("/FromPlatform")  # the later catalog wins
    assert by_name["shared"]["source"] == "catalog:platform"
    assert by_name["acme-prod"]["source"] == "catalog:team"
    table = xswitch("list").stdout
    assert table.count("Acme Corp") == 1


def test_remove_keeps_work_that_is_not_pushed(team, me):
    team.commit(ACME)
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    clone = me.root / ".local/share/xswitch/catalogs/team"
    (clone / "catalog.toml").write_text(ACME + "# local edit\n")
    refused = xswitch("catalog", "remove", "team")
    assert refused.returncode == 2
    assert "uncommitted changes" in refused.stderr
    assert clone.exists()
    removed = xswitch("catalog", "remove", "team", "--force")
    assert removed.returncode == 0, removed.stderr
    assert not clone.exists()
    assert "acme-prod" not in rows()
    assert "catalogs" not in tomllib.loads(me.xswitch_config.read_text())


def test_init_starts_a_repository_that_can_be_added(tmp_path, me):
    directory = tmp_path / "new-catalog"
    made = xswitch("catalog", "init", str(directory))
    assert made.returncode == 0, made.stderr
    readme = (directory / "README.md").read_text()
    assert "No secrets" in readme and "[clients.KEY]" in readme
    git("commit", "--quiet", "-m", "Client catalog", cwd=directory)
    added = xswitch("catalog", "add", "ours", str(directory))
    assert added.returncode == 0, added.stderr
    assert rows()["acme-prod-readonly"]["prod"] is True
    again = xswitch("catalog", "init", str(directory))
    assert again.returncode == 2
    assert "not an empty directory" in again.stderr


def test_a_url_with_a_password_is_refused_before_git_runs(me):
    added = xswitch("catalog", "add", "team", "https://alice:s3cr3t-token@git.example.com/c.git")
    assert added.returncode == 2
    assert "s3cr3t-token" not in added.stderr
    assert "credential helper" in added.stderr


def test_a_missing_repository_is_explained(tmp_path, me):
    added = xswitch("catalog", "add", "team", (tmp_path / "nothing.git").as_uri())
    assert added.returncode == 1
    assert "There is no git repository at" in added.stderr
    assert "Traceback" not in added.stderr
    assert not me.xswitch_config.exists()


def test_a_name_that_is_no_catalog(me, team):
    pulled = xswitch("catalog", "pull", "nope")
    assert pulled.returncode == 2
    assert "xswitch follows no catalog named 'nope'" in pulled.stderr
    assert os.path.exists(me.aws_config)


def test_a_catalog_profile_named_by_client_name_survives_a_local_rename(team, me):
    team.commit(ACME.replace('client = "acme"', 'client = "ACME CORP"'))
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    me.xswitch_config.write_text(
        me.xswitch_config.read_text() + '\n[clients.acme]\nname = "Acme (EU)"\n'
    )
    row = rows()["acme-prod"]
    assert (row["client"], row["client_key"], row["prod"]) == ("Acme (EU)", "acme", True)


def test_a_catalog_profile_that_the_aws_files_define_is_theirs(team, me):
    team.commit(ACME.replace("acme-prod", "me"))
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    row = rows()["me"]
    assert row["source"] == "aws"
    assert row["role_arn"] is None  # the catalog's settings never replace the AWS files'
    assert row["client_key"] == "acme"  # but it may group the profile


def test_a_setting_aws_would_refuse_names_the_catalog_file_and_line(team, me):
    team.commit(ACME.replace('region = "eu-west-1"', 'region = "eu west 1"'))
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    exported = xswitch("export", "acme-prod", "--yes")
    assert exported.returncode == 2
    clone_file = me.root / ".local/share/xswitch/catalogs/team/catalog.toml"
    assert f"{clone_file}:12: profile 'acme-prod' has region = 'eu west 1'" in exported.stderr
