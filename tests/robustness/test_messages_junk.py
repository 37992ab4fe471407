"""Junk into messages, templates, filters and plugins: only GlobalCRMError may come out.

And nothing personal in what comes out: a message's values and the customer's name stay out of
every error message and traceback.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any

import pytest

import globalcrm as gc
from globalcrm.message_delivery import MessageDraft, next_contact_time, recipient_for
from globalcrm.messages import MessageTemplate, fallback_chain, load_templates, render
from globalcrm.plugins import Plugins
from tests.robustness.test_foundation_junk import JUNK

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
FILTERS = (
    "money",
    "date",
    "datetime",
    "time",
    "duration",
    "number",
    "percent",
    "listing",
    "isolate",
    "after_salutation",
)


def outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except gc.GlobalCRMError:
        return "error"
    return "ok"


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[gc.CRM]:
    store = gc.open(f"sqlite:///{tmp_path_factory.mktemp('junk') / 'messages.db'}")
    yield store
    store.close()


@pytest.fixture(scope="module")
def aino(crm: gc.CRM) -> gc.Customer:
    return crm.customers.add(
        gc.Customer(
            name=gc.PersonName(given="Zygmunta", surname="Wąsowiczówna", locale="pl"),
            country="PL",
            language="pl",
            time_zone="Europe/Warsaw",
            currency="PLN",
            emails=["zygmunta.secret@example.pl"],
        )
    )


def _template(text: str) -> MessageTemplate:
    return MessageTemplate.from_mapping("junk", {"en": {"subject": "s", "text": text}})


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
def test_render_and_send_take_junk(crm: gc.CRM, aino: gc.Customer, junk: Any) -> None:
    template = _template("{{ v }}")
    for call in (
        lambda: render(junk, aino, channel="email", now=NOW),
        lambda: render(template, junk, channel="email", now=NOW),
        lambda: render(template, aino, channel=junk, now=NOW, values={"v": 1}),
        lambda: render(template, aino, channel="email", now=junk, values={"v": 1}),
        lambda: render(template, aino, channel="email", now=NOW, values=junk),
        lambda: render(template, aino, channel="email", now=NOW, values={"v": junk}),
        lambda: render(template, aino, channel="email", now=NOW, values={"v": 1}, formality=junk),
        lambda: render(
            template, aino, channel="email", now=NOW, values={"v": 1}, relationship=junk
        ),
        lambda: render(template, aino, channel="email", now=NOW, values={"v": 1}, plugins=junk),
        lambda: render(template, aino, channel="email", now=NOW, values={"v": 1}, rates=junk),
        lambda: crm.messages.render("welcome", junk, channel="email", brand="x"),
        lambda: crm.messages.render(junk, aino, channel="email"),
        lambda: crm.messages.send(
            "welcome", aino, channel="email", purpose=junk, adapter=junk, brand="x"
        ),
        lambda: crm.messages.send("welcome", aino, channel=junk, purpose="service", adapter=junk),
        lambda: crm.messages.send(
            "welcome",
            aino,
            channel="email",
            purpose="p",
            adapter=junk,
            conversation=junk,
            respect_contact_hours=junk,
        ),
        lambda: crm.messages.template(junk),
    ):
        outcome(call)


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
@pytest.mark.parametrize("name", FILTERS)
def test_every_filter_takes_junk(aino: gc.Customer, name: str, junk: Any) -> None:
    for source in (f"{{{{ v|{name} }}}}", f"{{{{ 1|{name}(v) }}}}", f"{{{{ v|{name}(v) }}}}"):
        outcome(
            lambda source=source: render(  # type: ignore[misc]
                _template(source), aino, channel="email", now=NOW, values={"v": junk}
            )
        )
    outcome(
        lambda: render(
            _template("{{ v|plural(one=v, other=v) }}"),
            aino,
            channel="email",
            now=NOW,
            values={"v": junk},
        )
    )


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
def test_templates_and_locales_take_junk(tmp_path: Path, junk: Any) -> None:
    keyed: Any = {junk: {"text": "x"}} if isinstance(junk, Hashable) else {"en": {"text": "x"}}
    for call in (
        lambda: fallback_chain(junk),
        lambda: MessageTemplate.from_mapping(junk, {"en": {"text": "x"}}),
        lambda: MessageTemplate.from_mapping("t", junk),
        lambda: MessageTemplate.from_mapping("t", keyed),
        lambda: MessageTemplate.from_mapping("t", {"en": junk}),
        lambda: MessageTemplate.from_mapping("t", {"en": {"text": junk}}),
        lambda: MessageTemplate.from_mapping("t", {"en": {"text": "x", "informal": junk}}),
        lambda: MessageTemplate.from_mapping("t", {"en": {"text": "x", "source": junk}}),
        lambda: MessageTemplate.from_mapping("t", {"en": {"text": "x"}}, default=junk),
        lambda: _template("x").variant_for(junk),
        lambda: load_templates(junk),
    ):
        outcome(call)


def test_unparseable_template_files_are_input_errors(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    for content in (b"\xff\xfe", b"text = ", b'text = "{{ x"', b'text = "x"\nweird = 1'):
        (folder / "en.toml").write_bytes(content)
        with pytest.raises(gc.InvalidInput):
            load_templates(tmp_path)


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
def test_delivery_helpers_and_plugins_take_junk(aino: gc.Customer, junk: Any) -> None:
    plugins = Plugins(entry_points=False)
    message = render(_template("x"), aino, channel="email", now=NOW)
    for call in (
        lambda: recipient_for(junk, "email"),
        lambda: recipient_for(aino, junk),
        lambda: next_contact_time(junk, NOW),
        lambda: next_contact_time(aino, junk),
        lambda: MessageDraft.of(message).veto(junk),
        lambda: setattr_result(MessageDraft.of(message), "text", junk),
        lambda: setattr_result(MessageDraft.of(message), "subject", junk),
        lambda: plugins.register(junk),
        lambda: plugins.register(object(), name=junk),
        lambda: plugins.unregister(junk),
        lambda: plugins.block(junk),
        lambda: plugins.get(junk),
        lambda: plugins.call(junk),
        lambda: plugins.call("globalcrm_greeting", customer=junk),
        lambda: plugins.notify(junk),
    ):
        outcome(call)


def setattr_result(draft: MessageDraft, field: str, value: object) -> object:
    setattr(draft, field, value)
    return draft.result()


def test_errors_of_a_rendering_quote_no_personal_data(aino: gc.Customer) -> None:
    secret = "moje hasło to kwiatuszek"
    failures: list[gc.GlobalCRMError] = []
    for source, values in (
        ("{{ note|money }}", {"note": secret}),
        ("{{ note|date }}", {"note": secret}),
        ("{{ note[secret] }}", {"note": {}, "secret": secret}),
        ("{{ note.__class__ }}", {"note": secret}),
        ("{{ note + 1 }}", {"note": secret}),
        ("{{ full_name|plural(one=note) }}", {"note": secret}),
        ("{{ missing }} {{ full_name }}", {}),
    ):
        with pytest.raises(gc.GlobalCRMError) as caught:
            render(_template(source), aino, channel="email", now=NOW, values=values)
        failures.append(caught.value)
    for error in failures:
        # the last line of the formatted traceback is the error itself, with any chained cause
        shown = "".join(traceback.format_exception_only(error)).casefold()
        for private in (secret, "zygmunta", "wąsowiczówna", "kwiatuszek"):
            assert private.casefold() not in shown, (private, shown)
        chained = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
        assert chained is None or secret not in str(chained)
