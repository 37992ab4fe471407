"""globalcrm.plugins: registration checked against the hookspecs, safe calls, entry points."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from globalcrm import hookspecs
from globalcrm.errors import GlobalCRMError, InvalidFormat, NotFound, PluginError
from globalcrm.plugins import ENTRY_POINT_GROUP, Plugins, hookimpl

GREETING_ARGS: dict[str, Any] = {
    "customer": None,
    "locale": "fi",
    "channel": "email",
    "formality": None,
    "now": None,
}


class Hei:
    @hookimpl
    def globalcrm_greeting(self, locale: str) -> str | None:
        return "Hei" if locale == "fi" else None


class Moi:
    @hookimpl
    def globalcrm_greeting(self, locale: str) -> str | None:
        return "Moi"


class Broken:
    @hookimpl
    def globalcrm_greeting(self, locale: str) -> str:
        raise KeyError("Zygmunta Wąsowiczówna")  # a plugin's error may quote personal data


def _plugins() -> Plugins:
    return Plugins(entry_points=False)


def test_every_hookspec_has_the_prefix_and_a_docstring() -> None:
    specs = [name for name in dir(hookspecs) if name.startswith("globalcrm_")]
    assert len(specs) >= 13
    for name in specs:
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name
    assert set(specs) <= set(hookspecs.__all__)


def test_a_registered_plugin_answers_a_first_result_hook() -> None:
    plugins = _plugins()
    assert plugins.register(Hei()) == "Hei"
    assert plugins.names() == ["Hei"]
    assert plugins.call("globalcrm_greeting", **GREETING_ARGS) == "Hei"
    assert plugins.call("globalcrm_greeting", **{**GREETING_ARGS, "locale": "de"}) is None


def test_the_last_registered_answers_first_as_in_pluggy() -> None:
    plugins = _plugins()
    plugins.register(Hei())
    plugins.register(Moi())
    assert plugins.call("globalcrm_greeting", **GREETING_ARGS) == "Moi"
    plugins.unregister("Moi")
    assert plugins.call("globalcrm_greeting", **GREETING_ARGS) == "Hei"


def test_a_hook_that_is_not_first_result_gives_every_answer() -> None:
    class Brand:
        @hookimpl
        def globalcrm_message_values(self) -> dict[str, str]:
            return {"brand": "Acme"}

    class Sender:
        @hookimpl
        def globalcrm_message_values(self, locale: str) -> dict[str, str]:
            return {"sender": f"team-{locale}"}

    plugins = _plugins()
    plugins.register(Brand())
    plugins.register(Sender())
    answers = plugins.call(
        "globalcrm_message_values", template="welcome", customer=None, locale="lt", channel="sms"
    )
    assert answers == [{"sender": "team-lt"}, {"brand": "Acme"}]
    assert (
        _plugins().call(
            "globalcrm_message_values", template="w", customer=None, locale="lt", channel="sms"
        )
        == []
    )


def test_a_raising_hook_becomes_a_plugin_error_naming_hook_and_plugin() -> None:
    plugins = _plugins()
    plugins.register(Broken(), name="broken-greeter")
    with pytest.raises(PluginError) as caught:
        plugins.call("globalcrm_greeting", **GREETING_ARGS)
    error = caught.value
    assert (error.hook, error.plugin) == ("globalcrm_greeting", "broken-greeter")
    assert error.cause == "builtins.KeyError"
    assert error.__cause__ is None and error.__suppress_context__
    assert "Wąsowiczówna" not in str(error)
    assert "broken-greeter" in str(error) and "globalcrm_greeting" in str(error)


def test_notify_tells_every_observer_then_raises_the_first_failure() -> None:
    heard: list[str] = []

    class First:
        @hookimpl
        def globalcrm_customer_deleted(self, customer_id: str) -> None:
            raise RuntimeError("first")

    class Second:
        @hookimpl
        def globalcrm_customer_deleted(self, customer_id: str) -> None:
            heard.append(customer_id)

    class Third:
        @hookimpl
        def globalcrm_customer_deleted(self, customer_id: str) -> None:
            raise ValueError("third")

    plugins = _plugins()
    plugins.register(First())
    plugins.register(Second())
    plugins.register(Third())
    with pytest.raises(PluginError) as caught:
        plugins.notify("globalcrm_customer_deleted", customer_id="c1", tenant="t")
    assert heard == ["c1"]
    assert caught.value.plugin == "Third"  # the last registered runs first
    assert "1 more failed" in str(caught.value)
    assert "committed" in str(caught.value)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            """
class Typo:
    @hookimpl
    def globalcrm_greetings(self, locale): ...
""",
            "no such hook",
        ),
        (
            """
class WrongArgument:
    @hookimpl
    def globalcrm_greeting(self, language): ...
""",
            "does not match",
        ),
        (
            """
class Wrapper:
    @hookimpl(wrapper=True)
    def globalcrm_greeting(self, locale):
        return (yield)
""",
            "wrappers are not supported",
        ),
    ],
)
def test_implementations_that_do_not_match_a_spec_are_refused(source: str, reason: str) -> None:
    namespace: dict[str, Any] = {"hookimpl": hookimpl}
    exec(source, namespace)  # noqa: S102 - test classes defined from text
    plugin = next(v for k, v in namespace.items() if isinstance(v, type))()
    plugins = _plugins()
    with pytest.raises(PluginError, match=reason):
        plugins.register(plugin)
    assert plugins.names() == []


def test_names_are_unique_and_checked() -> None:
    plugins = _plugins()
    plugins.register(Hei())
    with pytest.raises(PluginError, match="already registered"):
        plugins.register(Hei())
    with pytest.raises(InvalidFormat):
        plugins.register(Moi(), name="bad name with spaces")
    with pytest.raises(NotFound):
        plugins.unregister("nobody")
    with pytest.raises(NotFound):
        plugins.get("nobody")
    assert isinstance(plugins.get("Hei"), Hei)


def test_a_blocked_plugin_cannot_be_registered() -> None:
    plugins = _plugins()
    plugins.block("Hei")
    with pytest.raises(PluginError, match="blocked"):
        plugins.register(Hei())


def test_an_unknown_hook_is_not_found() -> None:
    with pytest.raises(NotFound):
        _plugins().call("globalcrm_nothing")
    with pytest.raises(NotFound):
        _plugins().call("register")


def test_a_module_registers_under_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gcrm_module_plugin.py").write_text(
        "from globalcrm.plugins import hookimpl\n"
        "@hookimpl\n"
        "def globalcrm_salutation(locale):\n"
        "    return 'Ahoj,' if locale == 'cs' else None\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import gcrm_module_plugin  # type: ignore[import-not-found]

    plugins = _plugins()
    assert plugins.register(gcrm_module_plugin) == "gcrm_module_plugin"
    answer = plugins.call(
        "globalcrm_salutation", customer=None, locale="cs", channel="email", formality=None
    )
    assert answer == "Ahoj,"
    sys.modules.pop("gcrm_module_plugin", None)


def _distribution(root: Path, name: str, module: str, body: str) -> None:
    """An installed distribution on ``root`` whose globalcrm.plugins entry point is ``module``."""
    (root / f"{module}.py").write_text(body)
    info = root / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{name} = {module}\n")


def test_entry_point_plugins_load_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _distribution(
        tmp_path,
        "gcrm-hello",
        "gcrm_hello_plugin",
        "from globalcrm.plugins import hookimpl\n"
        "@hookimpl\n"
        "def globalcrm_greeting(locale):\n"
        "    return 'Sveiki'\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    plugins = Plugins()
    assert "gcrm-hello" in plugins.names()
    assert plugins.call("globalcrm_greeting", **GREETING_ARGS) == "Sveiki"
    blocked = Plugins()
    blocked.block("gcrm-hello")
    assert "gcrm-hello" not in blocked.names()
    assert Plugins(entry_points=False).names() == []
    sys.modules.pop("gcrm_hello_plugin", None)


def test_an_entry_point_that_does_not_import_is_a_plugin_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _distribution(tmp_path, "gcrm-broken", "gcrm_broken_plugin", "raise ImportError('nope')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError) as caught:
        Plugins().names()
    assert caught.value.plugin == "gcrm-broken"
    assert caught.value.cause == "builtins.ImportError"
    assert isinstance(caught.value, GlobalCRMError)
    sys.modules.pop("gcrm_broken_plugin", None)


def test_call_each_names_the_plugin_of_each_answer() -> None:
    plugins = _plugins()
    plugins.register(Hei())
    plugins.register(Moi())
    assert list(plugins.call_each("globalcrm_greeting", **GREETING_ARGS)) == [
        ("Moi", "Moi"),
        ("Hei", "Hei"),
    ]
    assert plugins.wants("globalcrm_greeting")
    assert not plugins.wants("globalcrm_recommend")
