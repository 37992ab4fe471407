"""``is_valid`` per second for UPI, EPC QR, Swiss QR, references and IBAN vs python-stdnum's IBAN.

Baseline, in the same process: ``stdnum.iban.is_valid`` on a valid IBAN, the reference cost of
one check-digit validation. Each globalcrm validator runs on a valid case of its format (and a
UPI VPA, a QR reference, and Alipay/WeChat Pay signature checks for scale). Prints the rate of
each, the baseline rate and the ratio (how many times slower than the baseline).

    python benchmarks/bench_payments.py [SECONDS_PER_CASE]
"""

from __future__ import annotations

import base64
import sys
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from stdnum import iban as stdnum_iban

from globalcrm.payments import alipay, epc_qr, iban, swiss_qr, upi, wechat_pay

EPC = (
    "BCD\n002\n2\nSCT\n\nFrançois D'Alsace S.A.\nFR1420041010050500013M02606\nEUR12.3\n\n\n"
    "Client:Marie Louise La Lune"
)
SWISS = (
    "SPC\r\n0200\r\n1\r\nCH4431999123000889012\r\nS\r\nRobert Schneider AG\r\nRue du Lac\r\n"
    "1268\r\n2501\r\nBiel\r\nCH\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n1949.70\r\nCHF\r\nS\r\n"
    "Pia-Maria Rutschmann-Schnyder\r\nGrosse Marktgasse\r\n28\r\n9400\r\nRorschach\r\nCH\r\n"
    "QRR\r\n210000000003139471430009017\r\nOrder of 15.09.2019\r\nEPD"
)
UPI = (
    "upi://pay?pa=merchant%40pspbank&pn=MyNameHere&tr=15330175804633937"
    "&tn=Test%20deposit%2015330175804633937%20DH0490&am=5000&cu=INR&mc=0621"
)
IBAN = "AT61 1904 3002 3457 3201"


def rate(function: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``function`` over about ``seconds``."""
    calls = 0
    batch = 100
    start = time.perf_counter()
    while True:
        for _ in range(batch):
            function()
        calls += batch
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    params = {"app_id": "2019073166072302", "out_trade_no": "A-17", "total_amount": "0.10"}
    signature = key.sign(alipay.sign_content(params).encode(), padding.PKCS1v15(), hashes.SHA256())
    notification = {**params, "sign": base64.b64encode(signature).decode(), "sign_type": "RSA2"}
    message_signature = base64.b64encode(
        key.sign(b"1624523846\nnonce\n{}\n", padding.PKCS1v15(), hashes.SHA256())
    ).decode()
    cases: list[tuple[str, Callable[[], object]]] = [
        ("upi.is_valid (link)", lambda: upi.is_valid(UPI)),
        ("upi.is_valid_vpa", lambda: upi.is_valid_vpa("john.doe@okaxis")),
        ("epc_qr.is_valid", lambda: epc_qr.is_valid(EPC)),
        ("swiss_qr.is_valid", lambda: swiss_qr.is_valid(SWISS)),
        ("swiss_qr.is_valid_reference (QRR)",
         lambda: swiss_qr.is_valid_reference("210000000003139471430009017")),
        ("swiss_qr.is_valid_reference (SCOR)",
         lambda: swiss_qr.is_valid_reference("RF18539007547034")),
        ("iban.is_valid", lambda: iban.is_valid(IBAN)),
        ("iban.parse (incl. schwifty bank code)", lambda: iban.parse(IBAN)),
        ("alipay.verify_notification (RSA-2048)",
         lambda: alipay.verify_notification(notification, public_key_pem=public)),
        ("wechat_pay.verify_signature (RSA-2048)",
         lambda: wechat_pay.verify_signature(
             "1624523846\nnonce\n{}\n", message_signature, platform_certificate_pem=public)),
    ]
    def baseline_call() -> object:
        return stdnum_iban.is_valid(IBAN)

    rate(baseline_call, seconds / 4)  # warm up: stdnum loads its registry on first use
    baseline = rate(baseline_call, seconds)
    print(f"machine: 2 cores (shared); about {seconds} s per case")
    print("ratio = time per call / time per stdnum.iban.is_valid call (lower is faster)")
    print(f"{'baseline: stdnum.iban.is_valid':45} {baseline:12,.0f} /s  ratio 1.00")
    for name, function in cases:
        if function() is False:
            raise SystemExit(f"{name}: the benchmark case is not valid")
        value = rate(function, seconds)
        print(f"{name:45} {value:12,.0f} /s  ratio {baseline / value:5.2f}")
    again = rate(baseline_call, seconds)
    print(f"{'baseline again (drift check)':45} {again:12,.0f} /s")


if __name__ == "__main__":
    main()
