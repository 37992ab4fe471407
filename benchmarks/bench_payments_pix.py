"""Pix build + parse round trips per second; Pix and Boleto ``is_valid`` against stdnum's IBAN.

Run: ``python benchmarks/bench_payments_pix.py``. The reference cost is python-stdnum's
``iban.is_valid`` on a valid IBAN, timed in the same process; ratios above 1 mean our check
costs more per call than stdnum's IBAN check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

from stdnum import iban as stdnum_iban

from globalcrm.payments import boleto, paynow, pix, promptpay

IBAN = "DE89 3704 0044 0532 0130 00"
PIX = pix.build(
    key="123e4567-e12b-12d1-a456-426655440000", merchant_name="Fulano de Tal",
    merchant_city="BRASILIA", amount=Decimal("123.45"), txid="PEDIDO42",
)
PROMPTPAY = promptpay.build(mobile="0812345678", amount=Decimal("4.22"))
PAYNOW = paynow.build(uen="201403121W", merchant_name="ACME PTE LTD", amount=Decimal("12.50"))
BOLETO_LINHA = "00190.00009 01149.718601 68524.522114 6 75860000102656"
BOLETO_BARCODE = "00196758600001026560000001149718606852452211"
ARRECADACAO = "848900000002404201622015806051904292586034111220"


def rate(function: Callable[[], object], seconds: float = 0.5) -> float:
    """Calls per second of ``function``, best of three runs of about ``seconds`` each."""
    best = 0.0
    for _ in range(3):
        count = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            for _ in range(200):
                function()
            count += 200
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, count / (now - start))
    return best


def round_trip() -> None:
    payload = pix.build(
        key="fulano@example.com", merchant_name="João da Silva", merchant_city="São Paulo",
        amount=Decimal("10.50"), txid="ABC123",
    )
    pix.parse(payload)


def main() -> None:
    checks = [
        stdnum_iban.is_valid(IBAN), pix.is_valid(PIX), boleto.is_valid(BOLETO_LINHA),
        boleto.is_valid(BOLETO_BARCODE), promptpay.is_valid(PROMPTPAY), paynow.is_valid(PAYNOW),
        boleto.is_valid(ARRECADACAO),
    ]
    if not all(checks):
        raise SystemExit(f"a benchmark input is not valid: {checks}")
    reference = rate(lambda: stdnum_iban.is_valid(IBAN))
    print(f"reference: stdnum iban.is_valid            {reference:>10,.0f} /s")
    cases: list[tuple[str, Callable[[], object]]] = [
        ("pix.is_valid (static, 155 chars)", lambda: pix.is_valid(PIX)),
        ("promptpay.is_valid", lambda: promptpay.is_valid(PROMPTPAY)),
        ("paynow.is_valid", lambda: paynow.is_valid(PAYNOW)),
        ("boleto.is_valid (linha digitável)", lambda: boleto.is_valid(BOLETO_LINHA)),
        ("boleto.is_valid (barcode)", lambda: boleto.is_valid(BOLETO_BARCODE)),
        ("boleto.is_valid (arrecadação)", lambda: boleto.is_valid(ARRECADACAO)),
        ("pix.build + pix.parse round trip", round_trip),
    ]
    for name, function in cases:
        per_second = rate(function)
        print(
            f"{name:<40} {per_second:>10,.0f} /s   cost vs stdnum IBAN: "
            f"{reference / per_second:5.2f}x"
        )


if __name__ == "__main__":
    main()
