"""TC string decoding: fields, segments and malformed strings (scenario 40)."""

from __future__ import annotations

import datetime as dt

import pytest

from globalcrm.errors import GlobalCRMError, InvalidFormat, InvalidLength
from globalcrm.privacy import tcf

CORE = "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA"


def test_core_fields() -> None:
    tc = tcf.decode(CORE)
    assert tc.version == 2
    assert tc.created == dt.datetime(2020, 1, 26, 17, 1, tzinfo=dt.UTC)
    assert tc.created.tzinfo is not None
    assert (tc.cmp_id, tc.cmp_version, tc.consent_screen) == (675, 2, 1)
    assert (tc.consent_language, tc.publisher_cc) == ("EN", "AA")
    assert tc.purposes_consent == (2, 10) and tc.special_feature_opt_ins == (1,)
    assert tc.use_non_standard_stacks is tc.use_non_standard_texts is False
    assert tc.vendor_consent == () and tc.publisher_restrictions == ()
    assert tc.pub_purposes_consent == tc.publisher_purposes_consent == ()


def test_whitespace_around_the_string_is_ignored() -> None:
    assert tcf.decode(f"  {CORE}\n") == tcf.decode(CORE)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", InvalidFormat),
        ("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAA+AAAAA", InvalidFormat),  # not base64url
        ("COtybn4PA_zT4KjA", InvalidLength),  # truncated core
        ("BOtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA", InvalidFormat),  # version 1
        (CORE + "..", InvalidFormat),  # empty segment
        (CORE + ".I===", InvalidFormat),  # bad padding
        ("x" * (tcf.MAX_LENGTH + 1), InvalidLength),
    ],
)
def test_malformed_strings_raise_our_errors(text: str, error: type[GlobalCRMError]) -> None:
    with pytest.raises(error) as err:
        tcf.decode(text)
    assert err.value.field == "tc_string"


def test_bad_character_reports_its_position() -> None:
    with pytest.raises(InvalidFormat) as err:
        tcf.decode("COty*n4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA")
    assert err.value.position == 4
