"""An SSO profile's credentials: a token for its SSO session, then GetRoleCredentials."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime

from xswitch.core.aws.clients import unsigned_client
from xswitch.core.aws.errors import (
    Call,
    call_failures,
    checked_answer,
    error_code,
    malformed,
    translate,
)
from xswitch.core.errors import ConfigError, SsoLoginRequired, SsoRoleNotAssigned, XswitchError
from xswitch.core.model import Credentials, Profile, Prompter, SsoSession
from xswitch.core.providers.base import Provider, can_prompt, check_not_expired, server_date
from xswitch.core.sso.auth import SsoAuth
from xswitch.core.sso.tokens import SsoToken
from xswitch.core.validate import credential_fields_problem


class SsoRoleProvider(Provider):
    """The role `sso_role_name` in account `sso_account_id`, through the profile's SSO session."""

    temporary = True

    def __init__(
        self,
        profile: Profile,
        sso_session: SsoSession,
        *,
        env: Mapping[str, str] = os.environ,
        prompter: Prompter | None = None,
        timeout: float | None = None,
        browser: str = "default",
    ) -> None:
        self.profile = profile
        self.browser = browser
        self.session = sso_session
        self.env = env
        self.prompter = prompter
        self.timeout = timeout

    @property
    def account_id(self) -> str:
        return self.profile.get("sso_account_id") or ""

    @property
    def role_name(self) -> str:
        return self.profile.get("sso_role_name") or ""

    def retrieve(self) -> Credentials:
        if not self.account_id or not self.role_name:
            raise ConfigError(
                f"SSO profile '{self.profile.name}' needs sso_account_id and sso_role_name.",
                "Add them, or run 'xswitch sso sync' to create profiles for your roles.",
            )
        from xswitch.core.browser import parse_browser

        auth = SsoAuth(
            self.session, self.env, timeout=self.timeout, browser=parse_browser(self.browser)
        )
        token = self._token(auth)
        return role_credentials(
            self.session, token, self.account_id, self.role_name, self.env, self.timeout
        )

    def _token(self, auth: SsoAuth) -> SsoToken:
        if self.prompter is None or can_prompt(self.prompter):
            return auth.token(self.prompter)
        # Nobody could see a login code (no terminal, or a command that never prompts):
        # waiting for an approval that cannot come would only look like a hang.
        try:
            return auth.token(None)
        except SsoLoginRequired:
            name = self.session.name
            raise SsoLoginRequired(
                name,
                f"Profile '{self.profile.name}' needs a new login to SSO session '{name}' "
                "(the saved one is missing, expired or cannot be renewed), and there is no "
                "terminal here to show its code on.",
                f"Run 'xswitch sso login {name}' in a terminal, then try again.",
            ) from None

    def describe(self) -> str:
        return (
            f"SSO role {self.role_name} in {self.account_id} (session '{self.session.name}', "
            f"{self.session.start_url})"
        )

    def identity(self) -> tuple[str, ...]:
        return (
            type(self).__name__,
            self.session.name,
            self.session.start_url,
            self.session.region,
            self.account_id,
            self.role_name,
        )


def role_credentials(
    session: SsoSession,
    token: SsoToken,
    account_id: str,
    role_name: str,
    env: Mapping[str, str] = os.environ,
    timeout: float | None = None,
) -> Credentials:
    """GetRoleCredentials for one account and role with `token`; the answer is checked."""
    portal = unsigned_client("sso", session.region, env, timeout=timeout)
    call = Call("sso", "GetRoleCredentials", sso_session=session, client=portal, env=env)
    try:
        answer = portal.get_role_credentials(
            accessToken=token.access_token, accountId=account_id, roleName=role_name
        )
    except call_failures() as error:
        raise _not_assigned(error, account_id, role_name) or translate(error, call) from None
    answer = checked_answer(answer, call, {"roleCredentials": dict})
    creds = checked_answer(answer["roleCredentials"], call, {"expiration": int})
    problem = credential_fields_problem(
        creds.get("accessKeyId"), creds.get("secretAccessKey"), creds.get("sessionToken")
    )
    url = str(call.limits.get("endpoint") or "")
    if problem:
        raise malformed(call, problem, url)
    expiration = datetime.fromtimestamp(creds["expiration"] / 1000, UTC)
    check_not_expired(expiration, server_date(answer), "the SSO portal", url, call.step + call.who)
    return Credentials(
        access_key_id=creds["accessKeyId"],
        secret_access_key=creds["secretAccessKey"],
        session_token=creds.get("sessionToken") or None,
        expiration=expiration,
        via=(f"sso:{session.name}", f"role:{account_id}/{role_name}"),
    )


def _not_assigned(error: BaseException, account_id: str, role_name: str) -> XswitchError | None:
    if error_code(error) == "ForbiddenException":
        return SsoRoleNotAssigned(
            f"IAM Identity Center gives you no access to role '{role_name}' in account "
            f"{account_id} (ForbiddenException).",
            "The permission set is not (or no longer) assigned to you there, or the profile "
            "names the wrong account or role. Run 'xswitch sso sync' to refresh the list, or "
            "ask your Identity Center administrator for the assignment.",
            code="ForbiddenException",
        )
    if error_code(error) == "ResourceNotFoundException":
        return SsoRoleNotAssigned(
            f"IAM Identity Center knows no role '{role_name}' in account {account_id}.",
            "Check sso_account_id and sso_role_name of the profile, or run 'xswitch sso sync'.",
            code="ResourceNotFoundException",
        )
    return None
