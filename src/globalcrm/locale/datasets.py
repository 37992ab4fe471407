"""Lazy access to the generated package data in ``globalcrm/locale/data/*.json``.

Every data file is written by ``tools/build_<dataset>.py`` from a pinned source and carries a
top-level ``source`` block (package, version, CLDR version, integrity, licence, generator). Files
are read on first use through :mod:`importlib.resources` and cached; nothing is read at import.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from typing import Any

__all__ = ["data_sources", "load"]

_PACKAGE = "globalcrm.locale.data"


@functools.cache
def load(name: str) -> dict[str, Any]:
    """Return the parsed data file ``data/<name>.json`` (read once, then cached).

    The result is shared: callers must not modify it.
    """
    resource = importlib.resources.files(_PACKAGE).joinpath(f"{name}.json")
    data: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return data


def _names() -> list[str]:
    return sorted(
        entry.name[: -len(".json")]
        for entry in importlib.resources.files(_PACKAGE).iterdir()
        if entry.name.endswith(".json") and entry.is_file()
    )


def data_sources() -> dict[str, dict[str, Any]]:
    """Return the ``source`` block of every generated data file, keyed by dataset name.

    This is how a running system tells which CLDR release (and which exact package) its locale
    data came from.

    ```pycon
    >>> sources = data_sources()
    >>> sources["person_names"]["package"], sources["person_names"]["licence"]
    ('cldr-person-names-full', 'Unicode-3.0')

    ```
    """
    result: dict[str, dict[str, Any]] = {}
    for name in _names():
        source = load(name).get("source")
        if isinstance(source, dict):
            result[name] = dict(source)
    return result
