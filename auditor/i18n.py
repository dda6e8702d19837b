"""Message catalogues of the human-readable reports: one TOML file per language.

`auditor/messages/LANG.toml` holds every label and sentence of a report in that language, so a
third language is one more file (a test checks that every catalogue has the same keys and the
same placeholders). Sections flatten to dotted keys: `[consent] state_never = "..."` is
`consent.state_never`. A plural is a table with `one` and `other` (`unit.flow.one`,
`unit.flow.other`), and `{n}` stands for the count. Placeholders use str.format syntax
(`{when}`); the values are inserted before the page is autoescaped. The sentence of a control's
finding (`finding.<id>`) comes from the control's own control.toml.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

MESSAGES_DIR = Path(__file__).resolve().parent / "messages"


def languages() -> list[str]:
    """The language codes with a catalogue, e.g. ['en', 'sv']."""
    return sorted(p.stem for p in MESSAGES_DIR.glob("*.toml"))


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


@cache
def _load(lang: str) -> dict[str, str]:
    path = MESSAGES_DIR / f"{lang}.toml"
    with path.open("rb") as fh:
        table = _flatten(tomllib.load(fh))
    # A control's finding sentence lives in its own control.toml ([finding] en = "...").
    from auditor.controls import catalogue

    table.update((f"finding.{c.id}", text) for c in catalogue() if (text := c.finding_text(lang)) is not None)
    return table


class Messages:
    """The catalogue of one language: labels, sentences with placeholders, plurals, numbers."""

    def __init__(self, lang: str) -> None:
        if lang not in languages():
            raise ValueError(f"no message catalogue for language {lang!r} (have: {', '.join(languages())})")
        self.lang = lang
        self.table = _load(lang)
        self.thousands = self.table["format.thousands_separator"]

    def keys(self) -> set[str]:
        return set(self.table)

    def has(self, key: str) -> bool:
        return key in self.table

    def number(self, n: int) -> str:
        """An integer with this language's thousands separator: 1,234 or 1 234."""
        return f"{n:,}".replace(",", self.thousands)

    def _values(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: self.number(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in values.items()}

    def __call__(self, key: str, **values: Any) -> str:
        """The message `key` with `values` filled in (integers formatted); a missing key raises KeyError."""
        return self.table[key].format(**self._values(values))

    def get(self, key: str, default: str, **values: Any) -> str:
        """The message `key`, or `default` (inserted as is) when the catalogue has no such key."""
        return self(key, **values) if key in self.table else default

    def plural(self, key: str, n: int, **values: Any) -> str:
        """The `one` or `other` form of `key` for the count n, with {n} filled in."""
        form = "one" if n == 1 else "other"
        return self(f"{key}.{form}", n=n, **values)
