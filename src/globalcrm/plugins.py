"""Plugins: the hook marker, the plugin manager of a CRM, and hook calls that fail safely.

pluggy (https://pluggy.readthedocs.io) registers plugins, checks each implementation against the
specifications in ``globalcrm.hookspecs`` and orders them (``tryfirst``/``trylast``; otherwise
the last registered runs first). The calls themselves are made here, one implementation at a
time, because pluggy re-raises a plugin's own exception without saying which plugin raised it:
here any exception becomes a ``PluginError`` naming the hook and the plugin, with the original's
type in ``.cause`` and nothing chained (its text may quote personal data).

```pycon
>>> from globalcrm.plugins import Plugins, hookimpl
>>> class Hello:
...     @hookimpl
...     def globalcrm_greeting(self, locale):
...         return "Hei" if locale == "fi" else None
>>> plugins = Plugins(entry_points=False)
>>> plugins.register(Hello())
'Hello'
>>> plugins.call("globalcrm_greeting", customer=None, locale="fi", channel="email",
...              formality=None, now=None)
'Hei'

```
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import pluggy

from globalcrm import hookspecs
from globalcrm.errors import InvalidFormat, NotFound, PluginError

__all__ = ["ENTRY_POINT_GROUP", "Plugins", "guarded", "hookimpl"]

hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)
"""Mark a function or method as the implementation of the hook it is named after."""

ENTRY_POINT_GROUP: Final = "globalcrm.plugins"
"""The entry-point group a distribution publishes its plugins under."""

_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,99}")


def _plugin_name(plugin: object, given: object) -> str:
    if given is not None:
        if not isinstance(given, str) or not _NAME.fullmatch(given):
            raise InvalidFormat(
                "a plugin name is letters, digits and _ . : - (up to 100)", field="name"
            )
        return given
    name = getattr(plugin, "__name__", None)  # a module or a class
    if not isinstance(name, str):
        name = type(plugin).__name__
    return name


class Plugins:
    """The plugins of a CRM (``crm.plugins``): register them, and call their hooks.

    Plugins published under the ``globalcrm.plugins`` entry point are loaded on first use
    (unless ``entry_points=False``); ``block(name)`` before that keeps one out.
    """

    def __init__(self, *, entry_points: bool = True) -> None:
        self._manager = pluggy.PluginManager(hookspecs.PROJECT)
        self._manager.add_hookspecs(hookspecs)
        self._entry_points = entry_points
        self._loaded = not entry_points
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ registration

    def register(self, plugin: object, *, name: str | None = None) -> str:
        """Register ``plugin`` (an object or module with hook implementations); return its name.

        The name defaults to the module's or class's name. Implementations of hooks that do not
        exist, arguments a hook does not have, and pluggy's wrappers are refused as
        ``PluginError``, with nothing registered.
        """
        self._load_entry_points()
        return self._register(plugin, _plugin_name(plugin, name))

    def _register(self, plugin: object, name: str) -> str:
        with self._lock:
            if self._manager.has_plugin(name) or self._manager.is_registered(plugin):
                raise PluginError(
                    f"a plugin named {name!r} (or this plugin) is already registered",
                    plugin=name,
                )
            with guarded(
                "",
                name,
                f"the plugin {name!r} does not match the hook specifications "
                "(an argument a hook does not have?)",
            ):
                registered = self._manager.register(plugin, name=name)
            if registered is None:  # blocked
                raise PluginError(f"the plugin {name!r} is blocked", plugin=name)
            try:
                self._check(plugin, name)
            except PluginError:
                self._manager.unregister(plugin)
                raise
        return name

    def _check(self, plugin: object, name: str) -> None:
        for caller in self._manager.get_hookcallers(plugin) or ():
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and (impl.hookwrapper or impl.wrapper):
                    raise PluginError(
                        "hook wrappers are not supported; implement the hook itself",
                        hook=caller.name,
                        plugin=name,
                    )
        for caller in self._manager.get_hookcallers(plugin) or ():
            if not caller.has_spec():
                raise PluginError(
                    "no such hook (see globalcrm.hookspecs)", hook=caller.name, plugin=name
                )

    def unregister(self, name: str) -> object:
        """Remove the plugin registered as ``name`` and return it."""
        with self._lock:
            plugin = self._manager.get_plugin(name) if isinstance(name, str) else None
            if plugin is None:
                raise NotFound("no plugin of this name is registered", field="name")
            self._manager.unregister(plugin, name=name)
            return plugin

    def block(self, name: str) -> None:
        """Keep the plugin ``name`` out (an entry-point plugin before it loads); unregister it."""
        checked = _plugin_name(None, name)
        with self._lock:
            self._manager.set_blocked(checked)

    def names(self) -> list[str]:
        """Names of the registered plugins, in the order they were registered."""
        self._load_entry_points()
        with self._lock:
            return [name for name, plugin in self._manager.list_name_plugin() if plugin is not None]

    def get(self, name: str) -> object:
        """The plugin registered as ``name``."""
        self._load_entry_points()
        plugin = self._manager.get_plugin(name) if isinstance(name, str) else None
        if plugin is None:
            raise NotFound("no plugin of this name is registered", field="name")
        return plugin

    def _load_entry_points(self) -> None:
        if not self._loaded:
            with self._lock:
                self._load_once()

    def _load_once(self) -> None:
        if self._loaded:  # another thread loaded them while this one waited
            return
        self._loaded = True
        for point in _entry_points(tuple(sys.path)):
            if self._manager.has_plugin(point.name) or self._manager.is_blocked(point.name):
                continue
            with guarded(
                "", point.name, f"the entry-point plugin {point.name!r} could not be loaded"
            ):
                plugin = point.load()
            self._register(plugin, point.name)

    # ------------------------------------------------------------------ calls

    def _implementations(self, hook: str) -> list[Any]:
        self._load_entry_points()
        if not isinstance(hook, str) or not hook.startswith("globalcrm_"):
            raise NotFound("no such hook (see globalcrm.hookspecs)", field="hook")
        caller = getattr(self._manager.hook, hook, None)
        if caller is None or not caller.has_spec():
            raise NotFound("no such hook (see globalcrm.hookspecs)", field="hook")
        return list(reversed(caller.get_hookimpls()))

    def wants(self, hook: str) -> bool:
        """Whether any plugin implements ``hook`` (callers skip preparing its arguments if not)."""
        return bool(self._implementations(hook))

    def call(self, hook: str, **arguments: Any) -> Any:
        """Call ``hook``; a ``firstresult`` hook gives its first answer, others a list of answers.

        Implementations run in pluggy's order and stop at the first that raises, which becomes
        a ``PluginError`` naming the hook and the plugin. ``None`` answers are left out.
        """
        implementations = self._implementations(hook)
        if not implementations:
            return None if _first_result(self._manager, hook) else []
        first = _first_result(self._manager, hook)
        answers: list[Any] = []
        for impl in implementations:
            answer = _call_one(hook, impl, arguments)
            if answer is not None:
                if first:
                    return answer
                answers.append(answer)
        return None if first else answers

    def call_each(self, hook: str, **arguments: Any) -> Iterator[tuple[str, Any]]:
        """Call ``hook``'s implementations one at a time: ``(plugin name, answer)`` after each.

        For hooks whose caller checks something between plugins (a veto) and names the plugin.
        """
        for impl in self._implementations(hook):
            yield impl.plugin_name, _call_one(hook, impl, arguments)

    def notify(self, hook: str, **arguments: Any) -> None:
        """Call an observer hook on every plugin, even after one fails; then raise the first error.

        Observers of a committed change all hear of it; the ``PluginError`` that follows says
        which one failed (and how many did).
        """
        failures: list[PluginError] = []
        for impl in self._implementations(hook):
            try:
                _call_one(hook, impl, arguments)
            except PluginError as error:
                failures.append(error)
        if failures:
            first = failures[0]
            more = f"; {len(failures) - 1} more failed" if len(failures) > 1 else ""
            summary = PluginError(
                f"{first.message}, after the change was committed (it is stored){more}",
                hook=first.hook,
                plugin=first.plugin,
            )
            summary.cause = first.cause
            raise summary

    def notify_each(self, calls: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """``notify`` each queued ``(hook, arguments)`` in order; then raise the first failure."""
        failure: PluginError | None = None
        for hook, arguments in calls:
            try:
                self.notify(hook, **arguments)
            except PluginError as error:
                failure = failure or error
        if failure is not None:
            raise failure

    def __repr__(self) -> str:
        return f"<Plugins {self.names()!r}>"


@functools.lru_cache(maxsize=8)
def _entry_points(path: tuple[str, ...]) -> tuple[importlib.metadata.EntryPoint, ...]:
    """The ``globalcrm.plugins`` entry points installed on ``path``, by name (found once).

    Looking them up reads every installed distribution's metadata (tens of milliseconds): every
    CRM of the process shares the answer while ``sys.path`` stays the same.
    """
    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    return tuple(sorted(found, key=lambda point: point.name))


def _first_result(manager: pluggy.PluginManager, hook: str) -> bool:
    spec = getattr(manager.hook, hook).spec
    return bool(spec is not None and spec.opts.get("firstresult"))


def _call_one(hook: str, impl: Any, arguments: dict[str, Any]) -> Any:
    function: Callable[..., Any] = impl.function
    try:
        values = [arguments[name] for name in impl.argnames]
    except KeyError as missing:
        raise PluginError(
            f"the hook was called without its argument {missing.args[0]!r}",
            hook=hook,
            plugin=impl.plugin_name,
        ) from None
    with guarded(hook, impl.plugin_name):
        return function(*values)


@contextmanager
def guarded(hook: str, plugin: str, message: str = "") -> Iterator[None]:
    """Any exception inside becomes a ``PluginError`` (no chained cause; the type in ``.cause``).

    For code the application plugs in: hook implementations, and channel adapters.
    """
    try:
        yield
    except Exception as error:  # a plugin may raise anything: that is the point
        if isinstance(error, PluginError) and error.plugin:
            raise
        text = message or f"the plugin {plugin!r} raised an error in {hook}"
        translated = PluginError(text, hook=hook, plugin=plugin)
        translated.cause = f"{type(error).__module__}.{type(error).__qualname__}"
        raise translated from None
