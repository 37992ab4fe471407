"""Messages in the customer's language and manners: templates, variants, rendering, channels.

A ``MessageTemplate`` holds one ``Variant`` per language. The variant for a customer is found by
walking CLDR's locale inheritance (UTS #35 Part 1, §4.1 "Multiple Inheritance" and the
``parentLocales`` data, https://unicode.org/reports/tr35/#Locale_Inheritance, read from babel's
``parent_exceptions`` and ``likely_subtags``): ``pt-BR`` → ``pt``; ``zh-Hant-HK`` →
``zh-Hant`` (whose parent is root, not ``zh``); ``es-MX`` → ``es-419`` → ``es``; then the
template's default language. A ``lang-Script`` tag whose script is the language's likely one is
the language itself (``zh-Hans`` is ``zh``, ``uz-Latn`` is ``uz``).

A variant has one wording for every register and, for languages with a T-V distinction, an
``informal`` one; the register is decided per customer and channel
(``globalcrm.locale.decide_formality``). Templates are Jinja2 in the sandbox with the locale
filters of ``globalcrm.message_filters``; besides the caller's values they can print:

================  ======================================================================
``salutation``    the opening line (``globalcrm.locale.salutation``: vocative, title, register,
                  channel), or a plugin's (``globalcrm_salutation``, ``globalcrm_greeting``)
``closing``       the closing formula (``globalcrm.locale.closing``)
``name``          the name as one addresses the customer (CLDR person names, ``addressing``)
``full_name``     the full name (CLDR ``referring``, ``long``); ``given_name`` the given name
``formal``        whether the register is formal (T-V: Sie/du, vous/tu, Jūs/tu...)
``now``           the time of the rendering; ``channel``, ``locale`` and ``country`` too
================  ======================================================================

The shipped templates (``SHIPPED_TEMPLATES``) are package data, one TOML file per template and
language in ``globalcrm/message_templates/<template>/<locale>.toml``, each naming the source its
wording was checked against.

```pycon
>>> fallback_chain("zh-Hant-HK"), fallback_chain("pt-BR"), fallback_chain("es-MX")
(('zh-Hant-HK', 'zh-Hant'), ('pt-BR', 'pt'), ('es-MX', 'es-419', 'es'))

```
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import attrs
import babel
import babel.core
import jinja2

from globalcrm import _checks
from globalcrm import message_filters as _filters
from globalcrm.customers import Customer
from globalcrm.errors import (
    GlobalCRMError,
    InvalidComponent,
    InvalidFormat,
    InvalidInput,
    NotFound,
    translate_errors,
)
from globalcrm.exchange_rates import RateTable
from globalcrm.interactions import CHANNELS
from globalcrm.locale import (
    choose_name,
    closing,
    decide_formality,
    format_person_name,
    locale_direction,
    salutation,
)
from globalcrm.locale.formality import Formality, parse_formality
from globalcrm.locale.salutations import GREETING_STYLES
from globalcrm.locale.text import Direction
from globalcrm.message_filters import Addressed, RatesProvider, RenderState
from globalcrm.plugins import Plugins

__all__ = [
    "RESERVED_VALUES",
    "SHIPPED_TEMPLATES",
    "Message",
    "MessageTemplate",
    "Variant",
    "Wording",
    "fallback_chain",
    "load_templates",
    "render",
    "shipped_template",
]

SHIPPED_TEMPLATES: Final = (
    "welcome",
    "order_delayed",
    "survey_invitation",
    "tier_upgrade",
    "double_opt_in",
)
"""The service messages the package ships, in every language of ``shipped_template(name)``."""

RESERVED_VALUES: Final = frozenset({
    "salutation",
    "closing",
    "name",
    "full_name",
    "given_name",
    "formal",
    "formality",
    "now",
    "channel",
    "locale",
    "country",
})
"""Names the library sets in every rendering; a caller's value cannot take them."""

_ADDRESS_GENDERS: Final = {"female": "female", "male": "male", "non_binary": "nonbinary"}
"""Stated genders that select a form of address; any other gets the gender-neutral form."""

_NAME_VALUES: Final = frozenset({"salutation", "closing", "name", "full_name", "given_name"})
_VALUE_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


# --------------------------------------------------------------------------- locales


@functools.cache
def _likely_scripts() -> dict[str, str]:
    likely: Mapping[str, str] = babel.core.get_global("likely_subtags")
    scripts = {}
    for language, full in likely.items():
        parts = full.split("_")
        if "_" not in language and len(parts) > 1 and len(parts[1]) == 4:
            scripts[language] = parts[1]
    return scripts


def _babel_id(tag: object, field: str) -> str:
    if isinstance(tag, str) and len(tag) <= 35:
        return _babel_id_of(tag, field)
    return _babel_id_of.__wrapped__(tag, field)


@functools.lru_cache(maxsize=1024)
def _babel_id_of(tag: object, field: str) -> str:
    checked = _checks.language(tag, field=field)
    with translate_errors(
        (ValueError, babel.UnknownLocaleError),
        InvalidComponent,
        f"locale {checked!r} has no CLDR data",
        field=field,
    ):
        return str(babel.Locale.parse(checked, sep="-"))


def _normal(identifier: str) -> str:
    """``lang_Script`` with the language's likely script is the language (``zh_Hans`` → ``zh``)."""
    parts = identifier.split("_")
    if len(parts) == 2 and len(parts[1]) == 4 and _likely_scripts().get(parts[0]) == parts[1]:
        return parts[0]
    return identifier


def _parent(identifier: str) -> str:
    """CLDR's parent locale: ``parentLocales``, then ``nonlikelyScript`` → root, then truncation."""
    exceptions: Mapping[str, str] = babel.core.get_global("parent_exceptions")
    parent = exceptions.get(identifier)
    if parent:
        return parent
    parts = identifier.split("_")
    if len(parts) == 2 and len(parts[1]) == 4 and _likely_scripts().get(parts[0]) != parts[1]:
        return "root"
    return "root" if len(parts) == 1 else "_".join(parts[:-1])


@functools.lru_cache(maxsize=2048)
def _chain(identifier: str) -> tuple[str, ...]:
    chain: list[str] = []
    name = identifier
    while name != "root":
        normal = _normal(name)
        if normal not in chain:
            chain.append(normal)
        name = _parent(name)
    return tuple(chain)


def fallback_chain(locale: str) -> tuple[str, ...]:
    """The locales whose variant serves ``locale``, nearest first (CLDR inheritance, no root).

    ```pycon
    >>> fallback_chain("zh"), fallback_chain("zh-TW"), fallback_chain("uz-Cyrl")
    (('zh',), ('zh-Hant-TW', 'zh-Hant'), ('uz-Cyrl',))

    ```
    """
    return tuple(key.replace("_", "-") for key in _chain(_babel_id(locale, "locale")))


# --------------------------------------------------------------------------- templates


def _text_field(value: object, field: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InvalidFormat(f"expected template text, got {type(value).__name__}", field=field)
    if len(value) > 100_000:
        raise InvalidInput("a template is at most 100,000 characters", field=field)
    return value


@attrs.frozen
class Wording:
    """The subject, text and (optionally) HTML of one register of one language, compiled."""

    subject: str | None
    text: str
    html: str | None = None
    direction: Direction = "ltr"
    """The writing direction of the language (values of the other one are isolated)."""
    variables: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    """The names the wording reads (computed: only these are worked out per rendering)."""
    _compiled: tuple[jinja2.Template | None, jinja2.Template, jinja2.Template | None] = (
        attrs.field(init=False, repr=False, eq=False)
    )

    @classmethod
    def build(
        cls, data: Mapping[str, Any], *, field: str, direction: Direction = "ltr"
    ) -> Wording:
        """A wording from ``{"subject": ..., "text": ..., "html": ...}``; syntax is checked."""
        for index, key in enumerate(data):
            if key not in ("subject", "text", "html"):
                raise _checks.unknown_key(key, index, what="wording field").at(field=field)
        if "text" not in data:
            raise InvalidFormat("is required", field=f"{field}.text")
        with _checks.at(field):
            return cls(
                subject=_text_field(data.get("subject"), "subject", optional=True),
                text=_text_field(data["text"], "text") or "",
                html=_text_field(data.get("html"), "html", optional=True),
                direction=direction,
            )

    def __attrs_post_init__(self) -> None:
        if self.direction not in ("ltr", "rtl"):
            raise InvalidComponent("a direction is ltr or rtl", field="direction")
        way = self.direction
        subject = None
        if self.subject is not None:
            subject = _filters.compile_template(self.subject, html=False, field="subject",
                                                direction=way)
        text = _filters.compile_template(self.text, html=False, field="text", direction=way)
        html = None
        if self.html is not None:
            html = _filters.compile_template(self.html, html=True, field="html", direction=way)
        names = _filters.variables_of(self.text, html=False)
        if self.subject is not None:
            names |= _filters.variables_of(self.subject, html=False)
        if self.html is not None:
            names |= _filters.variables_of(self.html, html=True)
        object.__setattr__(self, "variables", names)
        object.__setattr__(self, "_compiled", (subject, text, html))


@attrs.frozen
class Variant:
    """A template in one language: its wording, an informal wording, and where it was checked."""

    locale: str
    """The BCP 47 tag of the language (``pt-BR``, ``zh-Hans``)."""
    formal: Wording
    """The wording for every register, or for the formal one where ``informal`` is given."""
    informal: Wording | None = None
    """The T-V informal wording (du, tu, sinä...), for languages that make the distinction."""
    source: str | None = None
    """Where the wording (register, punctuation, set phrases) was checked."""

    def wording(self, register: Formality) -> Wording:
        """The wording for ``register`` (informal and familiar take ``informal`` if given)."""
        if self.informal is not None and register.tv is Formality.INFORMAL:
            return self.informal
        return self.formal


def _variant(tag: object, data: object, *, field: str) -> Variant:
    if not isinstance(data, Mapping):
        raise InvalidFormat("expected a mapping of subject, text, informal...", field=field)
    allowed = ("subject", "text", "html", "informal", "source")
    for index, key in enumerate(data):
        if key not in allowed:
            raise _checks.unknown_key(key, index, what="variant field").at(field=field)
    informal = data.get("informal")
    if informal is not None and not isinstance(informal, Mapping):
        raise InvalidFormat("expected a mapping of subject, text, html", field=f"{field}.informal")
    locale = _checks.language(tag, field=field)
    way = _dir(locale)
    return Variant(
        locale=locale,
        formal=Wording.build({k: v for k, v in data.items() if k in ("subject", "text", "html")},
                             field=field, direction=way),
        informal=None
        if informal is None
        else Wording.build(informal, field=f"{field}.informal", direction=way),
        source=_checks.optional_text(data.get("source"), field=f"{field}.source"),
    )


@attrs.frozen
class MessageTemplate:
    """A message in several languages; ``variant_for(language)`` picks one by CLDR inheritance.

    ```pycon
    >>> t = MessageTemplate.from_mapping("hello", {
    ...     "en": {"subject": "Hello", "text": "{{ salutation }}"},
    ...     "pt": {"subject": "Olá", "text": "{{ salutation }}"},
    ... })
    >>> t.variant_for("pt-BR")[0].locale, t.variant_for("ko")
    ('pt', (Variant(locale='en', ...), False))

    ```
    """

    name: str
    variants: Mapping[str, Variant] = attrs.field(repr=False)
    """The variants by normalised CLDR identifier (``pt_BR``, ``zh``)."""
    default: str = "en"
    """The language used when no variant is in a customer's fallback chain."""
    _chosen: dict[str, tuple[Variant, bool]] = attrs.field(
        init=False, factory=dict, repr=False, eq=False
    )

    @classmethod
    def from_mapping(
        cls, name: str, data: Mapping[str, Mapping[str, Any]], *, default: str = "en"
    ) -> MessageTemplate:
        """Build a template from ``{locale: {"subject", "text", "html", "informal", "source"}}``."""
        checked = _checks.code(name, field="name")
        if not isinstance(data, Mapping) or not data:
            raise InvalidFormat("expected a mapping of locale to wording", field="variants")
        variants: dict[str, Variant] = {}
        for tag, body in data.items():
            field = f"variants.{tag}" if isinstance(tag, str) and len(tag) <= 35 else "variants"
            variant = _variant(tag, body, field=field)
            key = _normal(_babel_id(variant.locale, field))
            if key in variants:
                raise InvalidInput("two variants for the same locale", field=field)
            variants[key] = variant
        default_key = _normal(_babel_id(default, "default"))
        if default_key not in variants:
            raise InvalidInput("the default language has no variant", field="default")
        return cls(name=checked, variants=variants, default=default_key.replace("_", "-"))

    @property
    def locales(self) -> tuple[str, ...]:
        """The languages the template has, as BCP 47 tags."""
        return tuple(sorted(v.locale for v in self.variants.values()))

    def variant_for(self, language: str) -> tuple[Variant, bool]:
        """The variant for a reader of ``language``, and whether it is in their fallback chain.

        ``False`` means the default language was used: no variant is related to theirs (or
        their language is one babel has no locale data for yet).
        """
        if isinstance(language, str):
            known = self._chosen.get(language)
            if known is not None:
                return known
        tag = _checks.language(language, field="language")  # junk raises here
        found = self._variant_for(tag)
        if len(self._chosen) < 1024:
            self._chosen[language] = found
        return found

    def _variant_for(self, tag: str) -> tuple[Variant, bool]:
        try:
            chain = _chain(_babel_id(tag, "language"))
        except InvalidComponent:  # a language CLDR knows and babel's data does not have yet
            chain = ()
        for key in chain:
            found = self.variants.get(key)
            if found is not None:
                return found, True
        return self.variants[_normal(_babel_id(self.default, "default"))], False


def _read_toml(data: bytes, field: str) -> dict[str, Any]:
    with translate_errors(
        (tomllib.TOMLDecodeError, UnicodeDecodeError),
        InvalidFormat,
        "not a UTF-8 TOML file",
        field=field,
    ):
        return tomllib.loads(data.decode("utf-8"))


def _from_files(name: str, files: Iterator[tuple[str, bytes]], default: str) -> MessageTemplate:
    data: dict[str, Any] = {}
    for filename, content in files:
        tag = filename.removesuffix(".toml")
        data[tag] = _read_toml(content, f"{name}/{filename}")
    if not data:
        raise NotFound("the template has no <locale>.toml files", field=name)
    return MessageTemplate.from_mapping(name, data, default=default)


def load_templates(directory: str | Path, *, default: str = "en") -> dict[str, MessageTemplate]:
    """Read an application's templates: ``<directory>/<template>/<locale>.toml`` files.

    Each file holds ``subject``, ``text``, optionally ``html``, an ``[informal]`` table with the
    same keys, and ``source``. Every template must have a ``default`` variant.
    """
    if not isinstance(directory, str | Path):
        raise InvalidFormat("expected a directory path", field="directory")
    root = Path(directory)
    with translate_errors(OSError, NotFound, "the directory cannot be read", field="directory"):
        if not root.is_dir():
            raise NotFound("no such directory", field="directory")
        folders = sorted(p for p in root.iterdir() if p.is_dir())
        templates = {}
        for folder in folders:
            files = [(f.name, f.read_bytes()) for f in sorted(folder.glob("*.toml"))]
            templates[folder.name] = _from_files(folder.name, iter(files), default)
    return templates


def shipped_template(name: str) -> MessageTemplate:
    """One of the ``SHIPPED_TEMPLATES`` (package data), compiled once."""
    if not isinstance(name, str) or name not in SHIPPED_TEMPLATES:
        raise NotFound("no shipped template of this name (see SHIPPED_TEMPLATES)", field="template")
    return _shipped(name)


@functools.cache
def _shipped(name: str) -> MessageTemplate:
    folder = importlib.resources.files("globalcrm").joinpath("message_templates", name)
    files = (
        (entry.name, entry.read_bytes())
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    )
    return _from_files(name, files, "en")


# --------------------------------------------------------------------------- messages


@attrs.frozen
class Message:
    """A rendered message: its text (and subject, HTML) and how it was written.

    The repr shows the template, the locale and the register, never the text (reprs get logged).
    """

    template: str
    customer_id: str
    channel: str
    locale: str
    """The language the message is written and formatted in (the customer's, or the default)."""
    variant: str
    """The template variant used (``pt`` for a ``pt-BR`` reader)."""
    fallback: bool
    """True when no variant is in the reader's fallback chain and the default was used."""
    formality: Formality
    direction: Direction
    subject: str | None = attrs.field(repr=_checks.masked)
    text: str = attrs.field(repr=_checks.masked)
    html: str | None = attrs.field(default=None, repr=_checks.masked)
    to: str | None = attrs.field(default=None, repr=_checks.masked)
    """The address on the channel (email, phone, handle...), set by ``crm.messages.send``."""


def _values(values: object) -> dict[str, Any]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise InvalidFormat("expected a mapping of template values", field="values")
    out: dict[str, Any] = {}
    for index, (key, value) in enumerate(values.items()):
        if not isinstance(key, str) or not _VALUE_NAME.fullmatch(key):
            raise InvalidFormat(
                "a value name is a Python identifier", field=f"values[#{index}]"
            )
        if key in RESERVED_VALUES:
            raise InvalidInput(
                "the library sets this value itself (use a plugin to change it)",
                field=f"values.{key}",
            )
        out[key] = value
    return out


def _channel(value: object) -> str:
    return _checks.choice(value, CHANNELS, field="channel", what="channel")


def _template(value: object) -> MessageTemplate:
    if isinstance(value, MessageTemplate):
        return value
    if isinstance(value, str):
        return shipped_template(value)
    raise InvalidFormat("expected a MessageTemplate or a shipped template's name", field="template")


def _addressing(
    customer: Customer,
    *,
    tag: str,
    channel: str,
    register: Formality,
    needed: frozenset[str],
    plugins: Plugins | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The customer's name, salutation and closing, for the names the wording reads."""
    out: dict[str, Any] = {}
    if not needed & _NAME_VALUES:
        return out
    # the one name there is needs no choosing (choose_name reads scripts: the cost of a render)
    names = customer.names
    name = names[0] if len(names) == 1 else choose_name(names, reader_locale=tag)
    gender = _ADDRESS_GENDERS.get(customer.gender or "")
    tv = register.tv
    if "name" in needed:
        out["name"] = Addressed(_filters.bidi_safe(
            format_person_name(name, locale=tag, usage="addressing", formality=tv), _dir(tag)
        ))
    if "full_name" in needed:
        out["full_name"] = Addressed(_filters.bidi_safe(
            format_person_name(name, locale=tag, usage="referring", length="long", formality=tv),
            _dir(tag),
        ))
    if "given_name" in needed:
        given = (name.given_informal if tv is Formality.INFORMAL else None) or name.given
        out["given_name"] = Addressed(_filters.bidi_safe(given or name.full, _dir(tag)))
    if "salutation" in needed or "closing" in needed:
        opening = None
        if plugins is not None:
            opening = plugins.call(
                "globalcrm_salutation",
                customer=customer,
                locale=tag,
                channel=channel,
                formality=register,
            )
        facts = (gender, name.given, name.surname, name.title)
        if opening is None:
            greeting = None
            if plugins is not None and register in GREETING_STYLES.get(tag.split("-")[0], ()):
                greeting = plugins.call(
                    "globalcrm_greeting",
                    customer=customer,
                    locale=tag,
                    channel=channel,
                    formality=register,
                    now=now,
                )
            said = None if greeting is None else _greeting(greeting)
            opening = _opening(tag, register.value, channel, *facts, said)
        elif not isinstance(opening, str):
            raise InvalidFormat("a salutation plugin must answer text", field="salutation")
        out["salutation"] = Addressed(opening)
        if "closing" in needed:
            out["closing"] = Addressed(_closing(tag, register.value, channel, *facts, opening))
    return out


# Salutations and closings are pure functions of their facts: a mailing to many customers with
# the same names (common given names, one title) asks for the same ones again.


@functools.lru_cache(maxsize=16_384)
def _opening(
    tag: str,
    register: str,
    channel: str,
    gender: str | None,
    given: str | None,
    surname: str | None,
    title: str | None,
    greeting: str | None,
) -> str:
    extra = {} if greeting is None else {"greeting": greeting}
    return salutation(
        locale=tag, formality=register, channel=channel, gender=gender, given=given,
        surname=surname, title=title, **extra,
    )


@functools.lru_cache(maxsize=16_384)
def _closing(
    tag: str,
    register: str,
    channel: str,
    gender: str | None,
    given: str | None,
    surname: str | None,
    title: str | None,
    opening: str,
) -> str:
    return closing(
        locale=tag, formality=register, channel=channel, gender=gender, given=given,
        surname=surname, title=title, salutation=opening,
    )


def _greeting(value: object) -> str:
    return _checks.text(value, field="greeting", max_length=200)


@functools.lru_cache(maxsize=256)
def _dir(tag: str) -> Direction:
    return locale_direction(tag)


def render(
    template: MessageTemplate | str,
    customer: Customer,
    *,
    channel: str,
    now: dt.datetime,
    values: Mapping[str, Any] | None = None,
    formality: Formality | str | None = None,
    relationship: str | None = None,
    plugins: Plugins | None = None,
    rates: RatesProvider | RateTable | None = None,
) -> Message:
    """Write ``template`` for ``customer`` on ``channel``: their language, register and zone.

    ``values`` are the template's own variables (an order number, a link, a ``Money``);
    ``formality`` overrides the customer's stated register, ``relationship`` informs it;
    ``plugins`` may answer the greeting and salutation hooks and add values; ``rates`` (a
    ``RateTable`` or a function giving one) converts amounts in another currency than the
    customer's. A variable the template needs and nobody gave is ``InvalidInput`` naming it.
    """
    chosen = _template(template)
    if not isinstance(customer, Customer):
        raise InvalidFormat(f"expected a Customer, got {type(customer).__name__}", field="customer")
    name = _channel(channel)
    moment = _checks.aware_utc(now, field="now")
    given = _values(values)
    if formality is not None:
        formality = parse_formality(formality)
    if plugins is not None and not isinstance(plugins, Plugins):
        raise InvalidFormat("expected Plugins", field="plugins")
    variant, related = chosen.variant_for(customer.language)
    tag = customer.language if related else variant.locale
    preference = formality or customer.formality
    kept: object = relationship
    if kept is None or isinstance(kept, str):
        register = _register(tag, preference, name, kept)
    else:  # not a relationship: decide_formality says what is wrong with it
        register = _register.__wrapped__(tag, preference, name, kept)
    wording = variant.wording(register)
    direction = _dir(tag)
    merged: dict[str, Any] = {}
    if plugins is not None:
        for extra in plugins.call(
            "globalcrm_message_values", template=chosen.name, customer=customer, locale=tag,
            channel=name,
        ):
            merged.update(_values(extra))
    merged.update(given)
    merged.update(_addressing(
        customer, tag=tag, channel=name, register=register, needed=wording.variables,
        plugins=plugins, now=moment,
    ))
    merged.update({
        "formal": register.tv is Formality.FORMAL,
        "formality": register.value,
        "now": moment,
        "channel": name,
        "locale": tag,
        "country": customer.country,
        _filters.render_state_key(): RenderState(
            tag=tag, zone=customer.time_zone, direction=direction, currency=customer.currency,
            rates=rates,
        ),
    })
    subject_t, text_t, html_t = wording._compiled
    return Message(
        template=chosen.name,
        customer_id=customer.id,
        channel=name,
        locale=tag,
        variant=variant.locale,
        fallback=not related,
        formality=register,
        direction=direction,
        subject=None if subject_t is None else " ".join(_run(subject_t, merged, "subject").split()),
        text=_run(text_t, merged, "text").strip("\n"),
        html=None if html_t is None else _run(html_t, merged, "html"),
    )


@functools.lru_cache(maxsize=1024)
def _register(
    tag: str, preference: Formality | None, channel: str, relationship: object
) -> Formality:
    """``decide_formality``, kept per combination (a pure function of few values)."""
    return decide_formality(
        locale=tag,
        preference=preference,
        channel=channel,
        relationship=relationship,  # type: ignore[arg-type]  # checked by decide_formality
    )


_RENDER_ERRORS: Final = (
    jinja2.TemplateError, TypeError, ValueError, LookupError, ArithmeticError, AttributeError,
)


def _run(template: jinja2.Template, values: dict[str, Any], part: str) -> str:
    try:
        return template.render(values)
    except GlobalCRMError:
        raise
    except _RENDER_ERRORS as error:
        failed = InvalidInput(f"the template's {part} failed to render", field="template")
        failed.cause = f"{type(error).__module__}.{type(error).__qualname__}"
        raise failed from None
