"""Properties of salutation and closing: one channel vocabulary, closed fact vocabularies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from globalcrm.errors import InvalidComponent
from globalcrm.interactions import CHANNEL_MEDIA, CHANNELS
from globalcrm.locale import closing, decide_formality, salutation
from globalcrm.locale.formality import FORMALITIES
from globalcrm.locale.recipients import CLOSING_FACTS
from globalcrm.locale.salutations import SALUTATION_LOCALES

LOCALES = sorted(SALUTATION_LOCALES | {"de-CH", "en-GB", "en-US", "fr-CH", "pt-BR", "zh-TW", "kk"})
names = st.from_regex(r"[A-Z][a-z]{1,10}", fullmatch=True)


@settings(max_examples=300)
@given(channel=st.sampled_from(CHANNELS), locale=st.sampled_from(LOCALES),
       formality=st.sampled_from(FORMALITIES),
       gender=st.sampled_from([None, "female", "male", "nonbinary"]),
       given_name=names, surname=names)
def test_a_channel_means_its_medium_everywhere(
    channel: str, locale: str, formality: str, gender: str | None, given_name: str, surname: str
) -> None:
    medium = CHANNEL_MEDIA[channel]
    facts = {"gender": gender, "given": given_name, "surname": surname}
    assert salutation(locale=locale, formality=formality, channel=channel, **facts) == (
        salutation(locale=locale, formality=formality, channel=medium, **facts)
    )
    assert closing(locale=locale, formality=formality, channel=channel, **facts) == (
        closing(locale=locale, formality=formality, channel=medium, **facts)
    )
    assert decide_formality(locale=locale, channel=channel) is decide_formality(
        locale=locale, channel=medium
    )


@given(key=st.text(min_size=1, max_size=30).filter(lambda k: k not in (*CLOSING_FACTS, "locale")),
       value=st.from_regex(r"Zq[a-z]{6,12}", fullmatch=True),
       locale=st.sampled_from(LOCALES))
def test_an_unknown_fact_is_refused_and_its_value_never_shown(
    key: str, value: str, locale: str
) -> None:
    for call in (salutation, closing):
        with pytest.raises(InvalidComponent) as info:
            call(locale=locale, **{key: value})
        assert value not in str(info.value)
