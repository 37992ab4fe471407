"""Field checks run after attrs' ``__init__``: each maps a raw value to its validated form.

Converters written as factories or lambdas defeat ``mypy --strict``; a checks table applied in
``__attrs_post_init__`` keeps the declared types exact and still validates every field at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def apply(instance: object, checks: Mapping[str, Callable[[Any], Any]]) -> None:
    """Replace each checked attribute of ``instance`` with its validated value."""
    for name, check in checks.items():
        object.__setattr__(instance, name, check(getattr(instance, name)))
