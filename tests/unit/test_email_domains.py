"""An email address is normalised exactly as email-validator normalises it, domain memo or not.

``EmailAddress`` asks email-validator about each domain once and, for a plain local part at a
domain it accepted, puts the address together itself. Whatever the address (plain or not, at a
new or a known domain, near the length limits, an RFC 2142 mailbox name, an international or
a refused domain), the result must be email-validator's own, or a refusal where it refuses.
"""

from __future__ import annotations

from typing import Any

import email_validator
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from globalcrm.contact_points import EmailAddress
from globalcrm.errors import InvalidFormat

_ATEXT = "abcXYZ019_!#$%&'*+-/=?^`{|}~"
_DOMAINS = [
    "example.lt", "Example.LT", "gmail.com", "bücher.de", "BÜCHER.de", "xn--bcher-kva.de",
    "пример.рф", "例え.jp", "ﬁnance.example", "a-b.c-d.example", "x" * 63 + ".example.lt",
    ".".join(["d" * 63] * 3) + ".lt", "localhost", "example", "-bad.lt", "bad-.lt", "a..b.lt",
    "example.lt.", "[192.0.2.1]", "exa mple.lt", "ex_ample.lt", "example.invalid",
    "e\u0301xample.lt", "\u0301example.lt", "example.lt>", "\"quoted\".lt", "1.2.3.4",
]
_LOCALS = [
    "jonas", "Jonas.Petraitis", "POSTMASTER", "Abuse", "info", "i.nfo", "a" * 64, "a" * 65,
    ".lead", "trail.", "do..uble", "\"quoted local\"", "ona+tag", "Мария", "josé", "a b",
    "x@y", "",
]


def _outcome(text: str) -> tuple[str, str]:
    try:
        return "ok", EmailAddress.parse(text).address
    except InvalidFormat as error:
        return "refused", str(error)


def _library(text: str) -> str | None:
    try:
        return str(email_validator.validate_email(text, check_deliverability=False).normalized)
    except email_validator.EmailNotValidError:
        return None


def _same_as_library(text: str) -> None:
    expected = _library(text.strip())
    for _ in range(2):  # the second time the domain is known
        kind, value = _outcome(text)
        if expected is None:
            assert kind == "refused", (text, value)
        else:
            assert (kind, value) == ("ok", expected)


@given(
    local=st.one_of(
        st.sampled_from(_LOCALS),
        st.text(alphabet=_ATEXT + ".", min_size=1, max_size=70),
    ),
    domain=st.one_of(
        st.sampled_from(_DOMAINS),
        st.lists(
            st.text(alphabet="abcXYZ09-ü", min_size=1, max_size=64), min_size=1, max_size=5
        ).map(".".join),
    ),
)
@example(local="a" * 64, domain=".".join(["d" * 63] * 3) + ".lt")  # 254 bytes and over
@example(local="Postmaster", domain="example.lt")
def test_an_address_is_what_email_validator_makes_of_it(local: str, domain: str) -> None:
    _same_as_library(f"{local}@{domain}")


@pytest.mark.parametrize(
    "text",
    [
        "a" * 60 + "@" + ".".join(["d" * 63] * 3) + ".lt",  # 254 bytes: the longest valid
        "a" * 61 + "@" + ".".join(["d" * 63] * 3) + ".lt",  # 255 bytes
        "ab@" + "ü" * 60 + ".example.lt",  # short in Unicode, longer in IDNA ASCII
        "  Jonas@Example.LT  ",
        "Jonas@Example.LT",
        "WebMaster@example.lt",
    ],
)
def test_addresses_at_the_limits_match_the_library(text: str) -> None:
    _same_as_library(text)


def test_the_domain_is_asked_once_and_the_answer_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = email_validator.validate_email

    def counting(text: str, /, **options: Any) -> Any:
        calls.append(text)
        return real(text, **options)

    monkeypatch.setattr(email_validator, "validate_email", counting)  # the real one, counted
    addresses = [EmailAddress.parse(f"ona.{i}@once-only-domain.lt").address for i in range(50)]
    assert addresses == [f"ona.{i}@once-only-domain.lt" for i in range(50)]
    assert calls == ["a@once-only-domain.lt"]
