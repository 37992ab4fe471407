"""Every notification of ../shared/conformance/payments read through payment_notifications.

A valid Alipay notification becomes an update of its trade (``out_trade_no``, the amount, the
status its ``trade_status`` means); an invalid one is ``InvalidSignature`` and nothing is read.
The WeChat Pay notifications of the data set are a Pay Score contract event, not a payment: the
valid one must pass verification and decryption and then be refused for having no amount
(``InvalidFormat``), the tampered one must be ``InvalidSignature``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from globalcrm.errors import InvalidFormat, InvalidSignature
from globalcrm.money import money
from globalcrm.payment_notifications import alipay_update, wechat_pay_update


def _records(directory: Path, name: str, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    with (directory / "payments" / f"{name}.jsonl").open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    return [r for r in records if r.get("kind") in kinds]


def _alipay(record: dict[str, Any]) -> list[str]:
    params = record["params"]
    try:
        update = alipay_update(params, public_key_pem=record["alipay_public_key_pem"])
    except InvalidSignature:
        return [] if not record["valid"] else [f"{record['id']}: refused, want an update"]
    if not record["valid"]:
        return [f"{record['id']}: read, want InvalidSignature"]
    want = (params["out_trade_no"], "succeeded", money(params["total_amount"], "CNY"),
            params["notify_id"])
    got = (update.reference, update.status, update.paid, update.event_id)
    return [] if got == want else [f"{record['id']}: {got}, want {want}"]


def _wechat(record: dict[str, Any]) -> list[str]:
    at = int(record.get("verify_at_unix_time") or record["headers"]["Wechatpay-Timestamp"])
    try:
        wechat_pay_update(
            record["headers"], record["body"],
            platform_certificate_pem=record["platform_certificate_pem"],
            api_v3_key=record.get("apiv3_key", "0" * 32),
            now=dt.datetime.fromtimestamp(at, tz=dt.UTC),
        )
    except InvalidSignature:
        return [] if not record["valid"] else [f"{record['id']}: did not verify"]
    except InvalidFormat as error:  # verified and decrypted, then found not to be a payment
        if record["valid"] and error.field == "body.resource.amount":
            return []
        return [f"{record['id']}: {error}"]
    return [f"{record['id']}: a Pay Score event read as a payment"]


def test_notifications_of_the_conformance_data(
    conformance_dir: Path, conformance_report: Any
) -> None:
    for name, kinds, check in (
        ("alipay_notify", ("async_notification",), _alipay),
        ("wechatpay_notify", ("notification",), _wechat),
    ):
        records = _records(conformance_dir, name, kinds)
        failures = [problem for record in records for problem in check(record)]
        passed = len(records) - len({f.split(":")[0] for f in failures})
        conformance_report.add("payment_notifications", f"{name}.jsonl", passed, len(failures),
                               failures)
        assert failures == []
        assert passed == len(records) > 0
