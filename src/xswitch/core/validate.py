"""Checks of credential values that come from outside (AWS answers, other tools, cache files).

No imports beyond `re`, so that the cached switch can use it too.
"""

from __future__ import annotations

import re
from typing import Any

# Access key IDs, secrets and session tokens are printable ASCII without spaces.
_CREDENTIAL_TEXT = re.compile(r"[\x21-\x7e]+")
CREDENTIAL_TEXT_LIMIT = 8192


def credential_fields_problem(key_id: Any, secret: Any, token: Any) -> str | None:
    """What is wrong with these credential values (None: nothing). Never quotes the values."""
    for label, value, required in (
        ("AccessKeyId", key_id, True),
        ("SecretAccessKey", secret, True),
        ("SessionToken", token, False),
    ):
        if value is None or value == "":
            if required:
                return f"no {label}"
            continue
        article = "an" if label[0] in "AEIOU" else "a"
        if not isinstance(value, str):
            return f"{article} {label} that is not a string"
        if len(value) > CREDENTIAL_TEXT_LIMIT or not _CREDENTIAL_TEXT.fullmatch(value):
            return f"{article} {label} with characters or a length no AWS credential has"
    return None
