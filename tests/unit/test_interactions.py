"""The channel vocabulary: every interaction channel maps once to the medium of its address."""

from __future__ import annotations

import pytest

from globalcrm.errors import InvalidComponent, InvalidFormat
from globalcrm.interactions import CHANNEL_MEDIA, CHANNELS, MEDIA, medium_of


def test_every_channel_has_exactly_one_medium() -> None:
    assert tuple(CHANNEL_MEDIA) == CHANNELS
    assert set(CHANNEL_MEDIA.values()) == set(MEDIA)


@pytest.mark.parametrize(
    ("channel", "medium"),
    [
        ("whatsapp", "chat"),
        ("WhatsApp", "chat"),
        ("live_chat", "chat"),
        ("live-chat", "chat"),
        ("sms", "chat"),
        ("push", "chat"),
        ("letter", "letter"),
        ("email", "email"),
        ("web_form", "email"),
        ("phone", "spoken"),
        ("video_call", "spoken"),
        ("in_person", "spoken"),
        ("chat", "chat"),
        ("spoken", "spoken"),
    ],
)
def test_medium_of_a_channel_or_a_medium(channel: str, medium: str) -> None:
    assert medium_of(channel) == medium


def test_the_mapping_cannot_be_changed_by_a_caller() -> None:
    with pytest.raises(TypeError):
        CHANNEL_MEDIA["whatsapp"] = "letter"  # type: ignore[index]


@pytest.mark.parametrize("channel", ["fax", "messenger", "web", "envelope", "", "carrier pigeon"])
def test_other_words_are_not_channels(channel: str) -> None:
    with pytest.raises(InvalidComponent) as info:
        medium_of(channel)
    assert info.value.field == "channel"


def test_a_channel_must_be_text() -> None:
    with pytest.raises(InvalidFormat):
        medium_of(3)
