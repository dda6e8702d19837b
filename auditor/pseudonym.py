"""Pseudonyms for aggregate reports: user ids, emails, names and viewer ids replaced by a keyed hash."""

from __future__ import annotations

import hashlib
import os

from auditor.config import Config
from auditor.errors import AuditorError
from auditor.resources import sql

KEY_ENV = "AUDITOR_PSEUDONYM_KEY"


class Pseudonymizer:
    """Replaces user ids, emails, names and viewer ids with a keyed hash, stable within a key."""

    def __init__(self, key: str | None) -> None:
        self.key = key

    def sql(self, column: str) -> str:
        """SQL of the pseudonym of `column` (the key is the bound parameter $pkey)."""
        if not self.key:
            return column
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE 'person-' || left(sha256($pkey || {column}), 10) END"

    def person(self, column: str, alias: str) -> str:
        """SQL of the display name and email from `users` of the person in `column`, as
        `{alias}_name` and `{alias}_email`: NULL when pseudonymised (a token, never a name).
        `column` must be qualified (`f.user_id`): unqualified, it would name users' own column."""
        if self.key:
            return f"NULL AS {alias}_name, NULL AS {alias}_email"
        return sql("pseudonym/person").format(column=column, alias=alias)

    def __call__(self, value: str | None) -> str | None:
        if not self.key or value is None:
            return value
        return "person-" + hashlib.sha256((self.key + value).encode()).hexdigest()[:10]

    def text(self, text: str, *values: str | None) -> str:
        """`text` with each of `values` replaced by its pseudonym."""
        for value in values:
            if self.key and value:
                text = text.replace(value, self(value) or "")
        return text


def pseudonym_key(config: Config) -> str:
    key = os.environ.get(KEY_ENV) or config.report.pseudonymize_key
    if not key:
        raise AuditorError(
            f"--pseudonymize needs a key: set {KEY_ENV} or report.pseudonymize_key in auditor.toml"
        )
    return key
