"""The wire side of the demo's SSO server: REST-JSON requests routed to its operations, answers
and errors shaped the way botocore's `sso-oidc` and `sso` service models (2019-06-10) expect."""

from __future__ import annotations

import html
import json
import secrets
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

if TYPE_CHECKING:
    from xswitch.demo.ssoserver import SsoServer

_PORTAL_ERROR_NAMESPACE = "com.amazonaws.switchboard.portal"

# path -> (operation name, SsoServer method); OIDC operations take a JSON body, portal ones a query.
_OIDC_ROUTES = {
    "/client/register": ("RegisterClient", "register_client"),
    "/device_authorization": ("StartDeviceAuthorization", "start_device_authorization"),
    "/token": ("CreateToken", "create_token"),
}
_PORTAL_ROUTES = {
    "/assignment/accounts": ("ListAccounts", "list_accounts"),
    "/assignment/roles": ("ListAccountRoles", "list_account_roles"),
    "/federation/credentials": ("GetRoleCredentials", "get_role_credentials"),
}


class ServiceError(Exception):
    """An error answer: HTTP status, the error type botocore maps to an exception, a message."""

    def __init__(self, status: int, code: str, message: str, oidc_error: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.oidc_error = oidc_error  # the OAuth `error` field (OIDC answers only)


def oidc_error(code: str, error: str, description: str) -> ServiceError:
    status = 401 if code == "InvalidClientException" else 400
    return ServiceError(status, code, description, oidc_error=error)


class Handler(BaseHTTPRequestHandler):
    """Serves one `SsoServer` (bound as the class attribute `portal` by `SsoServer.start`)."""

    portal: SsoServer
    protocol_version = "HTTP/1.1"  # keep-alive: botocore reuses connections

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tests and benchmarks would drown in access logs

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path == "/logout":
            self.portal.received("Logout")
            self.portal.logout(self.headers.get("x-amz-sso_bearer_token"))
            self._send(200, {})
            return
        route = _OIDC_ROUTES.get(path)
        if route is None:
            self._send_error(ServiceError(404, "ResourceNotFoundException", f"No route {path}"))
            return
        operation, method = route
        self.portal.received(operation)
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("body is not an object")
        except ValueError:
            self._send_error(oidc_error("InvalidRequestException", "invalid_request", "Bad JSON"))
            return
        self._answer(method, body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/device":
            self._send_page()
            return
        if parts.path in ("/authorize", "/authorize/decide"):
            self._authorize(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})
            return
        route = _PORTAL_ROUTES.get(parts.path)
        if route is None:
            self._send_error(ServiceError(404, "ResourceNotFoundException", "No such route"))
            return
        operation, method = route
        self.portal.received(operation)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        self._answer(method, query, portal=True)

    def _answer(self, method: str, request: dict[str, Any], portal: bool = False) -> None:
        try:
            if portal:
                self.portal.check_rate()
                self.portal.check_token(self.headers.get("x-amz-sso_bearer_token"))
            self._send(200, getattr(self.portal, method)(request))
        except ServiceError as error:
            self._send_error(error)

    def _authorize(self, path: str, query: dict[str, str]) -> None:
        """The browser's side of the authorization code grant: the consent page and its links."""
        if path == "/authorize":
            self.portal.received("Authorize")
            status, text = self.portal.authorize(query)
            if status == 302:
                self._redirect(text)
            elif status == 200:
                request = quote(text)
                self._send_page(
                    "<p>Allow xswitch to access your AWS accounts?</p>"
                    f"<p><a href='/authorize/decide?request={request}&amp;approve=1'>Allow</a> "
                    f"<a href='/authorize/decide?request={request}&amp;approve=0'>Deny</a></p>"
                )
            else:
                self._send_page(f"<p>{html.escape(text)}</p>", status)
            return
        target = self.portal.decide(query.get("request", ""), query.get("approve") == "1")
        if target is None:
            self._send_page("<p>This request is unknown or was already answered.</p>", 400)
        else:
            self._redirect(target)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _send_page(self, text: str = "<p>Approve in the terminal.</p>", status: int = 200) -> None:
        body = f"<html><body><h1>xswitch demo SSO</h1>{text}</body></html>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_error(self, error: ServiceError) -> None:
        if error.oidc_error:
            body = {"error": error.oidc_error, "error_description": error.message}
        else:
            body = {"message": error.message, "__type": f"{_PORTAL_ERROR_NAMESPACE}#{error.code}"}
        self._send(error.status, body, error_type=error.code)

    def _send(self, status: int, body: dict, error_type: str = "") -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", secrets.token_hex(16))
        if error_type:
            self.send_header("x-amzn-ErrorType", f"{error_type}:http://internal.amazon.com/")
        self.end_headers()
        self.wfile.write(data)
