"""The README's Python example runs as written and does what its comments say."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import globalcrm as gc

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks(text: str) -> list[str]:
    """The bodies of the ```python blocks of a Markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE)


def test_the_readme_has_one_python_example() -> None:
    assert len(python_blocks(README.read_text(encoding="utf-8"))) == 1


def test_the_readme_example_runs_and_threads_one_conversation_across_channels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (code,) = python_blocks(README.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)  # the example opens sqlite:///crm.db in the current directory
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(code, str(README), "exec"), namespace)  # noqa: S102  # our own README
    crm: gc.CRM = namespace["crm"]
    try:
        assert (tmp_path / "crm.db").is_file()  # "creates or migrates the schema"
        customer: gc.Customer = namespace["c"]
        stored = crm.customers.get(customer.id)
        # "national formats are fine": stored in canonical forms
        assert [p.number for p in stored.phones] == ["+37061234567"]
        assert [e.address for e in stored.emails] == ["Jonas.Petraitis@example.lt"]
        assert stored.version == 1
        # "one thread across channels, in time order"
        thread = crm.interactions.conversation("order-1042")
        assert thread.next_cursor is None
        assert [(i.channel, i.direction) for i in thread.items] == [
            ("whatsapp", "inbound"),
            ("email", "outbound"),
        ]
        assert [i.body for i in thread.items] == ["Sveiki!", "..."]
        assert thread.items[0].occurred_at <= thread.items[1].occurred_at
        assert {i.customer_id for i in thread.items} == {customer.id}
        assert len(crm.interactions.timeline(customer.id).items) == 2
    finally:
        crm.close()
