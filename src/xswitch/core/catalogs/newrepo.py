"""`xswitch catalog init DIR`: a new catalog repository with an example file and a README that
explains the format to the people who will review changes to it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from xswitch.core.catalogs import git, registry
from xswitch.core.errors import UsageError

EXAMPLE = """\
# A client catalog for xswitch, shared through git. See README.md for the format.

[clients.acme]
name = "Acme Corp"
color = "#e5484d"
prod = true
notes = "Production: changes need a ticket."
tags = ["customer"]

[profiles.acme-prod-readonly]
client = "acme"
role_arn = "arn:aws:iam::111111111111:role/ReadOnly"
source_profile = "agency"
external_id = "acme-7f3a"
region = "eu-west-1"
"""

README = """\
# Client catalog for xswitch

This repository holds the clients and AWS roles that our team works with. Everyone who follows
it with

    xswitch catalog add NAME URL

sees these clients in `xswitch` and `xswitch list`, with their production flags and colours.
xswitch pulls it again once a day in the background; `xswitch catalog pull` pulls now and shows
what changed.

## Format

`catalog.toml` uses the `[clients]`, `[profiles]` and `[sso-sessions]` tables of xswitch's
config.toml:

- `[clients.KEY]`: `name`, `color` (a CSS colour), `prod` (true asks for confirmation before
  every use), `notes`, `tags`, and `profiles` / `match` (names or globs of the profiles it groups).
- `[profiles.NAME]`: `client`, `tags`, and the AWS settings of the profile as in ~/.aws/config
  (`role_arn`, `source_profile`, `external_id`, `mfa_serial`, `region`, `duration_seconds`,
  `sso_session`, `sso_account_id`, `sso_role_name`, ...). Every client a profile names must be
  defined in this file.
- `[sso-sessions.NAME]`: `start_url`, `region`, `scopes`.

## Rules

- No secrets: access key IDs, secret keys, session tokens, passwords and passphrases are refused,
  and the whole file with them. Each person keeps their own keys in their keyring
  (`xswitch keys add`) and names them with `source_profile`.
- No commands: `credential_process` and `mfa_process` are refused unless each person allows this
  catalog in their own config (`allow_commands = true`).
- Each person's own config.toml wins over the catalog: anyone can recolour a client or regroup a
  profile locally.
- A commit that breaks these rules or the format is not used: xswitch keeps the last good copy
  and says why. Review changes like code; a production flag turned on is listed first by
  `xswitch catalog pull`.

`xswitch sso sync SESSION --into-catalog NAME` writes the accounts and roles an IAM Identity
Center session offers into a followed catalog's clone, to be reviewed, committed and pushed.
"""


def init(directory: Path, env: Mapping[str, str] = os.environ) -> list[Path]:
    """Make `directory` (new or empty) a git repository holding an example catalog and a README,
    added to git's index but not committed; the files written."""
    directory = directory.expanduser().absolute()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageError(
            f"{directory} already exists and is not an empty directory.",
            "Give the path of a new directory; xswitch does not write into existing work.",
        )
    directory.mkdir(parents=True, exist_ok=True)
    git.run(["init", "--quiet", "--", str(directory)], env=env)
    written = []
    for name, text in ((registry.DEFAULT_PATH, EXAMPLE), ("README.md", README)):
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    git.run(["add", "--", *(path.name for path in written)], cwd=directory, env=env)
    return written
