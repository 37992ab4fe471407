"""Junk into every public function of emv_qr, pix, promptpay, paynow and boleto.

Only ``GlobalCRMError`` subclasses may come out; ``is_valid`` must return ``False``.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from globalcrm.errors import GlobalCRMError
from globalcrm.payments import boleto, emv_qr, paynow, pix, promptpay

JUNK: list[object] = [
    None, b"bytes", 12, 1.5, [], {}, object(), "x" * 100_000, "\x00\x1b", "", "\ud800",
    "0" * 44, "6304", Decimal("NaN"), True, dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
]

# valid keyword arguments for functions that need more than one argument
VALID: dict[str, dict[str, Any]] = {
    "pix.build": {"key": "12345678909", "merchant_name": "A", "merchant_city": "B"},
    "promptpay.build": {"mobile": "0812345678"},
    "paynow.build": {"mobile": "+6591234567", "merchant_name": "A"},
    "boleto.build": {"bank_code": "001", "free_field": "0" * 25},
    "boleto.due_date_from_factor": {"factor": "1000", "reference_date": dt.date(2025, 6, 15)},
    "boleto.parse": {"text": "0" * 44, "reference_date": dt.date(2025, 6, 15)},
    "emv_qr.fold_ans": {"value": "A", "field": "f", "max_length": 5},
    "emv_qr.format_amount": {"amount": 1, "field": "amount"},
    "emv_qr.parse_objects": {"text": "0002", "offset": 0},
    "emv_qr.templates_with_gui": {"payload": None, "gui": "x"},
    "emv_qr.sub_value": {"objects": (), "tag": "01"},
    "emv_qr.check_ans": {"obj": None, "what": "x", "max_length": 5},
    "emv_qr.required": {"payload": None, "tag": "59", "what": "x"},
    "emv_qr.check_fixed": {"payload": None, "tag": "58", "what": "x", "expected": "BR"},
    "emv_qr.build_object": {"tag": "59", "value": "A"},
}


def _functions() -> list[tuple[str, Callable[..., Any]]]:
    found: list[tuple[str, Callable[..., Any]]] = []
    modules: list[ModuleType] = [emv_qr, pix, promptpay, paynow, boleto]
    for module in modules:
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isfunction(value):
                found.append((f"{module.__name__.rsplit('.', 1)[1]}.{name}", value))
    return found


FUNCTIONS = _functions()


Call = tuple[tuple[Any, ...], dict[str, Any]]


def _calls(qualified: str, function: Callable[..., Any]) -> list[Call]:
    parameters = inspect.signature(function).parameters
    base = VALID.get(qualified)
    calls: list[Call] = []
    if base is None:
        first = next(iter(parameters))
        calls += [((), {first: junk}) for junk in JUNK]
        return calls
    for name in base:
        for junk in JUNK:
            calls.append(((), {**base, name: junk}))
    return calls


@pytest.mark.parametrize(("qualified", "function"), FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_junk_gives_only_our_errors(qualified: str, function: Callable[..., Any]) -> None:
    for args, kwargs in _calls(qualified, function):
        try:
            result = function(*args, **kwargs)
        except GlobalCRMError:
            continue
        if qualified.endswith(".is_valid") or qualified.endswith("is_valid_key"):
            assert result is False, (qualified, kwargs)


def test_every_public_function_is_covered() -> None:
    names = {name for name, _ in FUNCTIONS}
    assert {"pix.parse", "pix.build", "boleto.parse", "emv_qr.crc16", "paynow.is_valid"} <= names
    assert len(names) > 40
