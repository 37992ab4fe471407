"""What may be stored about an instrument: tokens and masked forms; never a card or a secret."""

from __future__ import annotations

import pytest

from globalcrm.errors import InvalidInput
from globalcrm.payment_instruments import check_metadata, instrument_reference

# The networks' published test card numbers (Stripe, Adyen, PayPal sandbox docs): every one
# passes the Luhn check, from 13 to 19 digits.
CARD_NUMBERS = [
    "4111111111111111",  # Visa
    "4222222222222",  # Visa, 13 digits
    "5555555555554444",  # Mastercard
    "2223003122003222",  # Mastercard 2-series
    "378282246310005",  # American Express, 15 digits
    "6011111111111117",  # Discover
    "3530111333300000",  # JCB
    "30569309025904",  # Diners Club, 14 digits
    "6200000000000005",  # UnionPay
    "6205500000000000004",  # UnionPay, 19 digits
    "6703444444444449",  # Bancontact
]


@pytest.mark.parametrize("number", CARD_NUMBERS)
def test_full_card_numbers_are_refused_however_they_are_written(number: str) -> None:
    groups = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    for text in (number, groups, groups.replace(" ", "-"), f"card {number}", f"tok{number}x"):
        with pytest.raises(InvalidInput, match="full card number") as refused:
            instrument_reference(text)
        assert number[-4:] not in str(refused.value) and refused.value.field == "instrument"
        with pytest.raises(InvalidInput, match="full card number"):
            check_metadata({"card": {"number": text}})


@pytest.mark.parametrize(
    "text",
    [
        "visa •••• 4242",
        "424242******4242",  # first six and last four: what PCI DSS lets be shown
        "************1111",
        "pm_1Q0PsIJvEtkwdCNY",
        "tok_visa",
        "card_1MvoiELkdIwHu7ixOeFGbN9D",
        "4111111111111112",  # not Luhn-valid: not a card number
        "+5511987654321",  # a phone number (a Pix key)
        "DE89 3704 0044 0532 0130 00",  # an IBAN
        "2019081522001468450512505578",  # an Alipay trade number, 28 digits
        "shop@icici",  # a UPI address
        "iDEAL NL** INGB **** **67 89",
    ],
)
def test_tokens_masked_forms_and_other_numbers_are_kept(text: str) -> None:
    assert instrument_reference(text) == text
    assert check_metadata({"instrument": text}) == {"instrument": text}


@pytest.mark.parametrize(
    "text",
    [
        "cvv=123",
        "CVV2: 123",
        "visa 4242 cvc: 999",
        "pin=1234",
        "api_key=abc123",
        "password: hunter2",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "rk_test_51H8aBcDeFgHiJ",
        "whsec_abcdefgh12345678",
        "-----BEGIN RSA PRIVATE KEY-----",
        "%B4111111111111111^DOE/JOHN^2512101",
        ";4111111111111111=25121010000000",
    ],
)
def test_verification_codes_credentials_and_track_data_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        instrument_reference(text)
    assert "123" not in str(refused.value) and "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    "key", ["cvv", "CVC2", "card_security_code", "pin", "Password", "api-key", "client_secret"]
)
def test_metadata_keys_naming_secrets_are_refused_whatever_the_value(key: str) -> None:
    with pytest.raises(InvalidInput, match="never stored"):
        check_metadata({"card": [{"brand": "visa", key: "***"}]})


def test_metadata_errors_name_the_place_not_the_value() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_metadata({"lines": [{"Jonas Petraitis": "4111 1111 1111 1111"}]})
    assert refused.value.field == "metadata.lines[0][#0]"  # a key that may be a name: by position
    assert "Jonas" not in str(refused.value) and "1111" not in str(refused.value)
    assert check_metadata({"order": "1042", "items": [1, 2]}) == {"order": "1042", "items": [1, 2]}
    for junk in ("text", [1], {1: "x"}, {"x": float("nan")}):
        with pytest.raises(InvalidInput):
            check_metadata(junk)


def test_instrument_text_is_checked_as_text() -> None:
    assert instrument_reference(None) is None
    for junk in (42, b"visa", "", " ", "a\x00b", "x" * 201):
        with pytest.raises(InvalidInput):
            instrument_reference(junk)
