"""closing: by channel as the opening is, regional rows before the language's, sources cited."""

from __future__ import annotations

import pytest

from globalcrm.errors import InvalidComponent
from globalcrm.interactions import CHANNEL_MEDIA, CHANNELS
from globalcrm.locale import closing
from globalcrm.locale.closings import CLOSING_LOCALES, CLOSING_SOURCES


def test_a_japanese_letter_ends_keigu_an_email_otherwise() -> None:
    assert closing(locale="ja") == "敬具"
    assert closing(locale="ja", channel="letter") == "敬具"
    assert closing(locale="ja", channel="email") == "よろしくお願いいたします。"
    assert closing(locale="ja", channel="line") == "よろしくお願いいたします。"
    assert closing(locale="ja", formality="informal", channel="letter") == "よろしくね。"


def test_british_letters_sincerely_to_a_name_faithfully_to_sir_or_madam() -> None:
    assert closing(locale="en-GB", gender="male", surname="Potter") == "Yours sincerely"
    assert closing(locale="en-GB", salutation="Dear Mr Potter") == "Yours sincerely"
    assert closing(locale="en-GB", salutation="Dear Sir or Madam") == "Yours faithfully"
    assert closing(locale="en-GB", recipient="unknown") == "Yours faithfully"
    assert closing(locale="en-GB", salutation="Dear Sir or Madam,") == "Yours faithfully,"
    assert closing(locale="en-AU", recipient="unknown") == "Yours faithfully"
    assert closing(locale="en-GB", channel="email", recipient="unknown") == "Kind regards"
    assert closing(locale="en", recipient="unknown") == "Yours faithfully,"
    assert closing(locale="en") == "Yours sincerely,"


def test_american_letters_end_sincerely_whatever_the_opening() -> None:
    assert closing(locale="en-US", recipient="unknown") == "Sincerely,"
    assert closing(locale="en-US", channel="email") == "Kind regards,"


def test_a_regional_row_wins_over_the_languages_rules() -> None:
    assert closing(locale="fr-CH", gender="female") == "Meilleures salutations,"
    assert closing(locale="fr-BE", gender="female") == (
        "Veuillez agréer, Madame, l’expression de mes sentiments distingués."
    )
    assert closing(locale="de-CH") == "Freundliche Grüsse"
    assert closing(locale="de-AT") == "Mit freundlichen Grüßen"
    assert closing(locale="pt-BR", recipient="authority") == "Respeitosamente,"
    assert closing(locale="pt-PT", recipient="authority") == "Atenciosamente,"
    assert closing(locale="zh-TW", channel="email") == "敬祝 商祺"
    assert closing(locale="zh-Hant") == "敬祝 商祺"
    assert closing(locale="zh-CN", channel="email") == "顺祝商祺！"


def test_a_french_letter_repeats_the_appel_an_email_does_not() -> None:
    assert closing(locale="fr", gender="male", function="directeur") == (
        "Veuillez agréer, Monsieur le directeur, l’expression de mes sentiments distingués."
    )
    assert closing(locale="fr", channel="email", gender="male") == "Meilleures salutations,"
    assert closing(locale="fr") == "Veuillez agréer, Madame, Monsieur, mes salutations distinguées."


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_channel_is_a_closing_channel(channel: str) -> None:
    medium = CHANNEL_MEDIA[channel]
    assert closing(locale="ja", channel=channel) == closing(locale="ja", channel=medium)


def test_a_call_has_no_closing_formula_and_an_envelope_no_closing() -> None:
    assert closing(locale="de", channel="phone") == ""
    assert closing(locale="de", channel="video_call") == ""
    with pytest.raises(InvalidComponent) as info:
        closing(locale="de", channel="envelope")
    assert info.value.field == "channel"


def test_norwegian_closings_take_no_comma() -> None:
    assert closing(locale="nb") == "Med vennlig hilsen"
    assert closing(locale="no", formality="informal") == "Hilsen"


def test_closing_facts_are_a_closed_vocabulary() -> None:
    with pytest.raises(InvalidComponent) as info:
        closing(locale="de", signature="Jonas")
    assert info.value.field == "signature"
    with pytest.raises(InvalidComponent) as info:
        closing(locale="id", sender="the boss")
    assert info.value.field == "sender"
    assert closing(locale="id", sender="person") == "Hormat saya,"
    assert closing(locale="id", sender="organisation") == "Hormat kami,"
    with pytest.raises(InvalidComponent):
        closing(locale="de", greeting="Guten Tag")


def test_every_cited_row_exists() -> None:
    assert set(CLOSING_SOURCES) <= CLOSING_LOCALES
    assert {"ja", "en-GB", "en-US", "fr", "fr-CH", "de-CH", "pt-BR"} <= CLOSING_LOCALES
