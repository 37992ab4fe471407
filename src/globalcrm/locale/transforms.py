"""ICU through PyICU (``pyicu-wheels``), loaded on first use: transliterators and word breakers.

One place for what names, search keys and addresses ask of ICU. ICU's objects are not safe to
share between threads, so each thread keeps its own, built once per transform or language.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

__all__ = ["icu", "transliterator", "word_breaker"]

_OBJECTS = threading.local()


@functools.cache
def icu() -> Any:
    """The ``icu`` module, imported on first use; ``None`` if PyICU is not installed."""
    try:
        import icu as module
    except ImportError:
        return None
    return module


def _cache() -> dict[tuple[str, str], Any]:
    cache: dict[tuple[str, str], Any] | None = getattr(_OBJECTS, "cache", None)
    if cache is None:
        cache = _OBJECTS.cache = {}
    return cache


def transliterator(transform: str) -> Any:
    """This thread's ICU transliterator for ``transform`` (an ID or compound ID).

    ``None`` without PyICU, or when this ICU build has no such transform.
    """
    cache = _cache()
    key = ("transform", transform)
    if key not in cache:
        module = icu()
        if module is None:
            return None
        try:
            cache[key] = module.Transliterator.createInstance(transform)
        except module.ICUError:
            cache[key] = None
    return cache[key]


def word_breaker(language: str) -> Any:
    """This thread's ICU word break iterator for ``language`` (PyICU must be installed)."""
    cache = _cache()
    key = ("breaker", language)
    found = cache.get(key)
    if found is None:
        module = icu()
        found = cache[key] = module.BreakIterator.createWordInstance(module.Locale(language))
    return found
