"""salutation: every interaction channel, closed fact vocabularies, wording honoured or refused."""

from __future__ import annotations

import pytest

from globalcrm.errors import InvalidComponent, InvalidFormat
from globalcrm.interactions import CHANNEL_MEDIA, CHANNELS
from globalcrm.locale import decide_formality, salutation
from globalcrm.locale.formality import Formality
from globalcrm.locale.recipients import RECIPIENTS
from globalcrm.locale.salutations import GREETING_STYLES, SALUTATION_LOCALES

# --------------------------------------------------------------------------- one channel vocabulary


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_interaction_channel_is_a_channel_everywhere(channel: str) -> None:
    facts = {"gender": "male", "given": "Jonas", "surname": "Petrauskas"}
    medium = CHANNEL_MEDIA[channel]
    got = salutation(locale="lt", channel=channel, **facts)
    assert got == salutation(locale="lt", channel=medium, **facts)
    assert decide_formality(locale="fi", channel=channel) is decide_formality(
        locale="fi", channel=medium
    )


def test_a_whatsapp_message_is_greeted_as_a_chat_a_call_is_spoken() -> None:
    facts = {"gender": "male", "surname": "Petrauskas"}
    assert salutation(locale="lt", channel="letter", **facts) == "Gerbiamasis pone Petrauskai!"
    assert salutation(locale="lt", channel="whatsapp", **facts) == "Gerbiamasis pone Petrauskai,"
    assert salutation(locale="lt", channel="phone", **facts) == "pone Petrauskai"
    assert salutation(locale="fr", channel="whatsapp", gender="female") == "Bonjour, Madame,"
    assert salutation(locale="ko", channel="kakaotalk", given_full="홍길동") == (
        "홍길동 님, 안녕하세요."
    )


def test_the_envelope_form_is_a_salutation_value_only() -> None:
    assert salutation(locale="ko", channel="envelope", given_full="홍길동") == "홍길동 귀하"
    assert decide_formality(locale="fi", channel="envelope") is Formality.FORMAL


def test_decide_formality_checks_the_channel_even_when_a_preference_decides() -> None:
    with pytest.raises(InvalidComponent) as info:
        decide_formality(locale="de", preference="formal", channel="messenger")
    assert info.value.field == "channel"


# --------------------------------------------------------------------------- closed vocabularies


def test_an_unknown_fact_is_named() -> None:
    with pytest.raises(InvalidComponent) as info:
        salutation(locale="de", gender="female", surname="Meyer", nickname="Mimi")
    assert info.value.field == "nickname"
    assert "Mimi" not in str(info.value)


def test_a_fact_key_that_may_be_personal_is_given_by_position() -> None:
    with pytest.raises(InvalidComponent) as info:
        salutation(locale="de", **{"gender": "female", "Anna Meyer": "x"})
    assert info.value.field == "facts[#1]"
    assert "Anna" not in str(info.value)


def test_closing_only_facts_are_not_salutation_facts() -> None:
    with pytest.raises(InvalidComponent) as info:
        salutation(locale="id", sender="person")
    assert info.value.field == "sender"


@pytest.mark.parametrize("kind", RECIPIENTS)
def test_every_recipient_kind_is_accepted(kind: str) -> None:
    assert isinstance(salutation(locale="fi", recipient=kind), str)


@pytest.mark.parametrize(
    "description", ["customer (generic)", "plural or unknown", "higher authority", "Jonas"]
)
def test_a_described_recipient_is_refused_not_guessed(description: str) -> None:
    with pytest.raises(InvalidComponent) as info:
        salutation(locale="fi", recipient=description)
    assert info.value.field == "recipient"
    assert description not in str(info.value)


def test_a_greeting_the_style_has_no_place_for_is_refused() -> None:
    with pytest.raises(InvalidComponent) as info:
        salutation(locale="de", gender="male", surname="Knoch", greeting="Guten Tag")
    assert info.value.field == "greeting"
    assert "Guten Tag" not in str(info.value)
    with pytest.raises(InvalidComponent):
        salutation(locale="pl", gender="male", greeting="Witam")


def test_a_greeting_is_honoured_where_the_style_has_a_free_opening_word() -> None:
    assert salutation(locale="de", formality="informal", gender="female", given="Anna",
                      greeting="Hallo") == "Hallo Anna,"
    assert salutation(locale="en-GB", gender="female", surname="Barber", greeting="Hello") == (
        "Hello Ms Barber"
    )
    assert salutation(locale="fr", formality="informal", gender="male", given="Luc",
                      greeting="Salut") == "Salut Luc,"


@pytest.mark.parametrize("locale", sorted(SALUTATION_LOCALES))
@pytest.mark.parametrize("formality", [Formality.FORMAL, Formality.INFORMAL])
def test_greeting_styles_says_where_a_greeting_is_honoured(
    locale: str, formality: Formality
) -> None:
    facts = {"gender": "female", "given": "Anna", "surname": "Lee", "formality": formality}
    documented = formality in GREETING_STYLES.get(locale, ())
    if documented:
        assert "Zzgreet" in salutation(locale=locale, greeting="Zzgreet", **facts)
    else:
        with pytest.raises(InvalidComponent):
            salutation(locale=locale, greeting="Zzgreet", **facts)


def test_latvian_register_is_an_adjective_with_or_without_the_title() -> None:
    facts = {"gender": "male", "given": "Juris", "surname": "Bērziņš"}
    assert salutation(locale="lv", register="cienījamais", **facts) == (
        "Cienījamais Juri Bērziņa kungs!"
    )
    assert salutation(locale="lv", register="cienījamais, bez kunga", **facts) == (
        "Cienījamais Juri Bērziņ!"
    )
    for bad in ("godātais + kungs + kundze", "semi-formal", "1", "godātais, no"):
        with pytest.raises(InvalidComponent) as info:
            salutation(locale="lv", register=bad, **facts)
        assert info.value.field == "register"


def test_lithuanian_register_is_honoured_with_a_surname_too() -> None:
    got = salutation(locale="lt", gender="male", surname="Petrauskas", register="gerbiamas")
    assert got == "Gerbiamas pone Petrauskai!"
    with pytest.raises(InvalidComponent):
        salutation(locale="lt", gender="male", surname="Petrauskas", register="gerbiamas + pone")
    with pytest.raises(InvalidComponent):
        salutation(locale="de", gender="male", surname="Knoch", register="sehr geehrter")


def test_an_honorific_is_one_the_locale_writes_after_a_name() -> None:
    assert salutation(locale="uz", given="Dilnoza", honorific="opa",
                      formality="respectful-personal") == "Hurmatli Dilnoza opa, assalomu alaykum."
    assert salutation(locale="uz-Cyrl", given="Анвар", honorific="ака") == (
        "Ҳурматли Анвар ака, ассалому алайкум."
    )
    with pytest.raises(InvalidComponent) as info:
        salutation(locale="uz", given="Anvar", honorific="janob")
    assert info.value.field == "honorific"
    with pytest.raises(InvalidComponent):
        salutation(locale="de", gender="male", surname="Knoch", honorific="Herr")


def test_fact_values_must_be_text() -> None:
    with pytest.raises(InvalidFormat) as info:
        salutation(locale="de", greeting=3)
    assert info.value.field == "greeting"


def test_the_functions_stay_importable_where_they_were() -> None:
    from globalcrm.locale import closings, forms_of_address
    from globalcrm.locale import salutations as module
    from globalcrm.locale.salutations import closing as old_closing

    assert old_closing is closings.closing is forms_of_address.closing
    assert module.salutation is forms_of_address.salutation
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018
