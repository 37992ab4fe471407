"""Notices: the canonical form behind content_sha256, effective windows, immutability."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from globalcrm.errors import InvalidInput, RuleViolation
from globalcrm.privacy import notices

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_hash_is_over_the_stated_canonical_form() -> None:
    expected = hashlib.sha256("Título\n\nLínea 1\nLínea 2".encode()).hexdigest()
    assert notices.content_sha256("Título", "Línea 1\r\nLínea 2") == expected
    decomposed = "Ti\u0301tulo"
    assert notices.content_sha256(decomposed, "Li\u0301nea 1\rLi\u0301nea 2") == expected
    assert notices.content_sha256("Título", "Línea 1 \nLínea 2") != expected  # spaces count


def test_effective_window_and_versions() -> None:
    v1 = notices.publish_notice(
        "privacy",
        1,
        language="pt-br",
        title="Aviso",
        body="Texto",
        effective_from=T0,
        effective_to=T0 + dt.timedelta(days=30),
    )
    assert v1.language == "pt-BR" and v1.canonicalisation == notices.CANONICALISATION
    assert v1.is_effective(T0) and not v1.is_effective(T0 + dt.timedelta(days=30))
    v2 = notices.supersede_notice(
        v1, body="Texto novo", effective_from=T0 + dt.timedelta(days=30), material_change=True
    )
    assert (v2.version, v2.material_change, v2.language) == (2, True, "pt-BR")
    assert v1.body == "Texto" and notices.verify_notice(v1)
    with pytest.raises(RuleViolation):
        v2.material_change = False
    with pytest.raises(InvalidInput):
        notices.publish_notice(
            "privacy", 1, language="en", title="t", body="b", effective_from=T0, effective_to=T0
        )
