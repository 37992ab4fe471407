"""The erasure report and the suppression digest (``globalcrm.privacy.erasure``)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

import pytest

from globalcrm.errors import GlobalCRMError
from globalcrm.privacy.erasure import ErasureReport, KeptData, suppression_digest
from globalcrm.privacy.evidence import SubjectKey
from globalcrm.privacy.export_files import to_json_text, to_zip

AT = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def test_the_report_round_trips_through_json() -> None:
    report = ErasureReport(
        subject_ref="c-1", status="erased", erased_at=AT, request_ref="dsr-1",
        changed={"interactions": 3, "customers": 1}, keys_destroyed=1, consents_ended=2,
        suppressed=2, kept=[KeptData("purchases", ["identifier"], "tax law", 4)],
    )
    assert report.partial and list(report.changed) == ["customers", "interactions"]
    text = json.dumps(report.to_json())
    assert ErasureReport.from_json(json.loads(text)) == report
    restricted = ErasureReport(subject_ref="c-2", status="restricted", erased_at=AT,
                               holds=["GDPR art. 17(3)(e)"])
    assert restricted.partial and not ErasureReport(
        subject_ref="c-3", status="erased", erased_at=AT).partial


@pytest.mark.parametrize("junk", [
    None, 3, [], {"status": "erased"}, {"subject_ref": "c", "status": "gone", "erased_at": AT},
    {"subject_ref": "c", "status": "erased", "erased_at": "yesterday"},
    {"subject_ref": "c", "status": "erased", "erased_at": AT, "changed": {"t": -1}},
    {"subject_ref": "c", "status": "erased", "erased_at": AT, "kept": [{"table": "t"}]},
])
def test_junk_reports_raise_only_our_errors(junk: object) -> None:
    with pytest.raises(GlobalCRMError):
        ErasureReport.from_json(junk)


def test_suppression_digests_are_keyed_and_separate_kinds() -> None:
    secret = SubjectKey.generate("tenant:suppression")
    other = SubjectKey.generate("tenant:suppression")
    email = suppression_digest(secret, "email", "jonas@example.lt")
    assert email == suppression_digest(secret, "email", "jonas@example.lt")
    assert email != suppression_digest(other, "email", "jonas@example.lt")
    assert email != suppression_digest(secret, "phone", "jonas@example.lt")
    assert "jonas" not in email
    with pytest.raises(GlobalCRMError):
        suppression_digest(secret, "address", "x")


def test_the_zip_is_deterministic_and_neutralises_formulas() -> None:
    rows = [{"id": "i-1", "body": "=HYPERLINK(1)", "meta": {"a": 1}}]
    document: dict[str, Any] = {"format": "globalcrm.export/1", "customer": None,
                                "consent_history": [], "tables": {"interactions": rows}}
    first, second = to_zip(document), to_zip(document)
    assert first == second
    archive = zipfile.ZipFile(io.BytesIO(first))
    cells = archive.read("interactions.csv").decode("utf-8").splitlines()
    assert cells[0] == "id,body,meta"
    assert "'=HYPERLINK(1)" in cells[1] and '{""a"": 1}' in cells[1]
    assert json.loads(archive.read("export.json")) == document
    with pytest.raises(GlobalCRMError):
        to_json_text([])  # type: ignore[arg-type]
