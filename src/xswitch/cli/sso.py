"""`xswitch sso ...`: IAM Identity Center login and discovery."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    subparsers.add_parser("sso", help="IAM Identity Center (SSO) login and account discovery")
