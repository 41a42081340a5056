"""The demo's world: a local AWS on 127.0.0.1 and a throwaway home with sample clients.

`DemoWorld` starts a moto server (STS/IAM) and the project's SSO server, writes `~/.aws/config`,
`~/.aws/credentials` and xswitch's config.toml into a temporary directory, and points this process's
environment at them, so nothing touches the user's real files, keyring or AWS accounts. Closing it
stops the servers, revokes the kernel-keyring copy of the demo's session key, restores the
environment and deletes the directory.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sysconfig
import tempfile
from collections.abc import MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

    from xswitch.demo.ssoserver import SsoServer

# Accounts of the sample clients (documentation ranges, no real account).
ACME = "111111111111"
GLOBEX = "222222222222"
INITECH = "333333333333"
HOME_ACCOUNT = "123456789012"
MFA_SERIAL = f"arn:aws:iam::{HOME_ACCOUNT}:mfa/demo-user"
SSO_START_URL = "https://umbrella-demo.awsapps.com/start"
SSO_ACCOUNTS = (
    ("444444444401", "umbrella-dev", ("Developer", "ReadOnly")),
    ("444444444402", "umbrella-staging", ("Developer",)),
    ("444444444403", "umbrella-prod", ("ReadOnly",)),
)
# Accounts only the portal knows: `xswitch sso sync` (or S in the picker) discovers them.
SSO_UNLISTED_ACCOUNTS = (
    ("444444444404", "Umbrella Sandbox", ("Developer", "Admin")),
    ("444444444405", "Umbrella Data Lake", ("Analyst",)),
)


# The sample role profiles: name, account, role, source profile, settings, region.
_ROLE_PROFILES: tuple[tuple[str, str, str, str, dict[str, str], str], ...] = (
    ("acme-dev", ACME, "Developer", "demo-user", {}, "eu-west-1"),
    ("acme-readonly", ACME, "ReadOnly", "demo-user", {"external_id": "acme-7f3c91"}, "eu-west-1"),
    ("acme-admin", ACME, "Admin", "demo-user", {"mfa_serial": MFA_SERIAL}, "eu-west-1"),
    ("globex-prod-admin", GLOBEX, "Admin", "demo-user", {"mfa_serial": MFA_SERIAL}, "us-east-1"),
    ("globex-prod-readonly", GLOBEX, "ReadOnly", "demo-user", {"mfa_serial": MFA_SERIAL},
     "us-east-1"),
    ("globex-deploy", GLOBEX, "Deployer", "globex-prod-readonly", {}, "us-east-1"),
    ("initech-audit", INITECH, "Auditor", "demo-user", {"external_id": "initech-audit-2024"},
     "ap-southeast-2"),
    ("initech-billing", INITECH, "Billing", "demo-user", {}, "ap-southeast-2"),
)  # fmt: skip


def _aws_config() -> str:
    """The sample ~/.aws/config: role profiles assumed from demo-user, then the SSO ones."""
    sections = [{"[default]": "", "region": "eu-west-1"}]
    for name, account, role, source, settings, region in _ROLE_PROFILES:
        role_arn = f"arn:aws:iam::{account}:role/{role}"
        sections.append(
            {f"[profile {name}]": "", "role_arn": role_arn, "source_profile": source}
            | settings
            | {"region": region}
        )
    sections.append(
        {
            "[sso-session umbrella]": "",
            "sso_start_url": SSO_START_URL,
            "sso_region": "eu-central-1",
            "sso_registration_scopes": "sso:account:access",
        }
    )
    for account, name, roles in SSO_ACCOUNTS:
        sections.extend(
            {
                f"[profile {name}-{role.lower()}]": "",
                "sso_session": "umbrella",
                "sso_account_id": account,
                "sso_role_name": role,
                "region": "eu-central-1",
            }
            for role in roles
        )
    return "\n".join(
        "".join(f"{key} = {value}\n" if value else f"{key}\n" for key, value in section.items())
        for section in sections
    )


def _aws_credentials() -> str:
    key_id = "AKIA" + secrets.token_hex(8).upper()
    secret = secrets.token_urlsafe(30)
    return f"[demo-user]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"


XSWITCH_CONFIG = """\
[settings]
session_name = "demo-user"
refresh_margin = 600

[clients.acme]
name = "Acme Retail"
color = "#3b82f6"
notes = "E-commerce platform; developer and read-only access."
tags = ["retail", "eu"]
match = ["acme-*"]

[clients.globex]
name = "Globex Production"
color = "#e5484d"
prod = true
notes = "Production. One MFA code unlocks both MFA roles; deploy is chained from read-only."
tags = ["prod", "us"]
match = ["globex-*"]

[clients.initech]
name = "Initech"
color = "#f5a524"
notes = "Audit engagement; the client requires an external ID."
tags = ["audit", "apac"]
match = ["initech-*"]

[clients.umbrella]
name = "Umbrella (SSO)"
color = "#10b981"
notes = "IAM Identity Center: the device login is approved automatically in the demo."
tags = ["sso"]
match = ["umbrella-*"]

[clients.home]
name = "My account"
color = "#a1a1aa"
profiles = ["demo-user", "default"]
"""


class DemoWorld:
    """A running local AWS plus a throwaway configuration; use as a context manager."""

    def __init__(self, environ: MutableMapping[str, str] = os.environ) -> None:
        self._environ = environ
        self._saved: dict[str, str | None] = {}
        self._moto: ThreadedMotoServer | None = None
        self._sso: SsoServer | None = None
        self.root = Path(tempfile.mkdtemp(prefix="xswitch-demo-"))
        self.sts_url = ""
        self.sso_url = ""

    def __enter__(self) -> DemoWorld:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start(self) -> None:
        import logging

        from moto.server import ThreadedMotoServer

        # The server's request log would land in the terminal ('xswitch demo -- bash' serves the
        # shell's commands from this process).
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.sts_url = f"http://{host}:{port}"
        self._start_sso()

        home = self.root / "home"
        (home / ".aws").mkdir(parents=True)
        (home / ".aws" / "config").write_text(_aws_config())
        credentials = home / ".aws" / "credentials"
        credentials.write_text(_aws_credentials())
        credentials.chmod(0o600)
        config = home / ".config" / "xswitch" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(XSWITCH_CONFIG)

        self._set(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_CACHE_HOME=str(home / ".cache"),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_STATE_HOME=str(home / ".local" / "state"),
            AWS_CONFIG_FILE=str(home / ".aws" / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(credentials),
            XSWITCH_CONFIG=str(config),
            AWS_ENDPOINT_URL=self.sts_url,
            AWS_ENDPOINT_URL_SSO=self.sso_url,
            AWS_ENDPOINT_URL_SSO_OIDC=self.sso_url,
            AWS_EC2_METADATA_DISABLED="true",
            # The demo never touches the real keyring: an encrypted file store in the temp home.
            XSWITCH_KEYRING_BACKEND="file",
            XSWITCH_KEYRING_PASSPHRASE=secrets.token_urlsafe(16),
            PYTHON_KEYRING_BACKEND=None,
            AWS_PROFILE=None,
            AWS_DEFAULT_PROFILE=None,
            AWS_ACCESS_KEY_ID=None,
            AWS_SECRET_ACCESS_KEY=None,
            AWS_SESSION_TOKEN=None,
            XSWITCH_DEMO="1",
            # The demo SSO portal approves device codes itself: no browser tab to open.
            XSWITCH_NO_BROWSER="1",
            # `xswitch` and `aws` (from the demo extra) in subshells even when the virtual
            # environment they came with is not activated.
            PATH=_with_scripts_first(self._environ.get("PATH", "")),
        )

    def _start_sso(self) -> None:
        from xswitch.demo.ssoserver import Account, SsoServer

        accounts = [
            Account(account_id, name, f"{name.lower().replace(' ', '-')}@example.com", tuple(roles))
            for account_id, name, roles in SSO_ACCOUNTS + SSO_UNLISTED_ACCOUNTS
        ]
        self._sso = SsoServer(accounts=accounts, auto_approve=True)
        self._sso.start()
        self.sso_url = self._sso.url

    def _set(self, **values: str | None) -> None:
        for name, value in values.items():
            self._saved.setdefault(name, self._environ.get(name))
            if value is None:
                self._environ.pop(name, None)
            else:
                self._environ[name] = value

    def close(self) -> None:
        if self._saved:
            # The session-cache key's copy in the kernel keyring would outlive the throwaway home
            # by hours (its description is computed from the demo's directories: before restoring).
            from xswitch.core import keycache

            keycache.forget(keycache.kernel_description(self._environ))
        for name, value in self._saved.items():
            if value is None:
                self._environ.pop(name, None)
            else:
                self._environ[name] = value
        self._saved.clear()
        if self._sso is not None:
            self._sso.stop()
            self._sso = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        shutil.rmtree(self.root, ignore_errors=True)


def _with_scripts_first(path: str) -> str:
    """`path` with the directory of this installation's commands in front, once."""
    scripts = sysconfig.get_path("scripts")
    entries = [entry for entry in path.split(os.pathsep) if entry and entry != scripts]
    return os.pathsep.join([scripts, *entries])
