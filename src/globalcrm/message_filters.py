"""The locale filters of message templates, and the sandboxed Jinja2 environments they live in.

Templates run in Jinja2's ``ImmutableSandboxedEnvironment``
(https://jinja.palletsprojects.com/en/stable/sandbox/): they cannot reach private attributes or
change the values they are given. HTML templates autoescape. A missing variable raises
``InvalidInput`` naming it (``StrictUndefined``), and so does a ``None``: a message never says
"Dear ," or "Dear None,".

Every filter writes for the message's locale and the customer's time zone (CLDR through babel):

============  =========================================================================
``money``     a ``Money`` in the locale's format; another currency than the customer's is
              converted at the stored rate, with the rate disclosed (``exchange_rates``)
``date``      a date (or an aware datetime, in the customer's zone): ``{{ d|date("long") }}``
``datetime``  an aware datetime in the customer's zone (long date, short time: no seconds);
              ``time`` the time of day only
``duration``  a ``timedelta`` in words (``2 days``, ``2 dienos``)
``number``    a number; ``percent`` a fraction as a percentage
``plural``    the CLDR plural form of a count: ``{{ n|plural(one="# day", other="# days") }}``;
              ``#`` is the count, written in the locale; ``other`` is required and stands for
              any form not given (as in ICU MessageFormat)
``listing``   a list joined as the locale joins lists (``a, b and c``; ``listing("or")``)
``isolate``   a value wrapped in bidi isolates whatever its direction
``after_salutation``  the first word after the salutation, lowercased where the language
              continues a comma salutation in lowercase (``LOWER_AFTER_COMMA``)
============  =========================================================================

Bidi safety (UAX #9): every value printed into a right-to-left message that is not itself
right-to-left (a Latin name, a number, an amount) is wrapped in FIRST STRONG ISOLATE ... POP
DIRECTIONAL ISOLATE, and so is any value with right-to-left letters printed into a left-to-right
message; a left-to-right value in a left-to-right message is left as it is (an SMS of Latin
letters stays in the GSM alphabet).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final, Literal

import babel
import babel.dates
import babel.lists
import babel.numbers
import jinja2
import jinja2.meta
import jinja2.sandbox
from markupsafe import Markup, escape
from moneyed import Money

from globalcrm import exchange_rates
from globalcrm import money as _money
from globalcrm.errors import (
    InvalidComponent,
    InvalidFormat,
    InvalidInput,
    RuleViolation,
    translate_errors,
)
from globalcrm.locale.text import FSI, PDI, Direction, isolate

__all__ = [
    "FILTERS",
    "LOWER_AFTER_COMMA",
    "PLURAL_CATEGORIES",
    "RenderState",
    "compile_template",
    "variables_of",
]

PLURAL_CATEGORIES: Final = ("zero", "one", "two", "few", "many", "other")
"""CLDR's plural categories (UTS #35 Part 3, Language Plural Rules)."""

def _has_rtl_letter(value: str) -> bool:
    """Whether ``value`` has a right-to-left letter: bidi class R or AL (UAX #9).

    By class, not by script: a combining mark of a right-to-left script has no direction.
    """
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in value)

_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_STATE: Final = "_globalcrm_message"
"""The template variable holding the render state (private: the sandbox hides its attributes)."""

RatesProvider = Callable[[], exchange_rates.RateTable]


class RenderState:
    """What the filters need for one rendering: locale, zone, direction, currency, rates."""

    __slots__ = ("_currency", "_direction", "_locale", "_rates", "_table", "_tag", "_zone")

    def __init__(
        self,
        *,
        tag: str,
        zone: str,
        direction: Direction,
        currency: str,
        rates: RatesProvider | exchange_rates.RateTable | None,
    ) -> None:
        self._tag = tag
        self._locale = _money.babel_locale(tag)
        self._zone = _zone(zone)
        self._direction: Direction = direction
        self._currency = currency
        self._rates = rates
        self._table: exchange_rates.RateTable | None = None

    def table(self) -> exchange_rates.RateTable:
        """The rate table, read once per rendering and only when a conversion needs it."""
        if self._table is None:
            if self._rates is None:
                raise RuleViolation(
                    "no exchange rates were given to convert an amount into the customer's "
                    "currency",
                    field="rates",
                )
            provided = (
                self._rates
                if isinstance(self._rates, exchange_rates.RateTable)
                else (self._rates())
            )
            self._table = provided
        return self._table

    def __repr__(self) -> str:
        return f"<message rendering {self._tag}>"


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def _state(context: jinja2.runtime.Context) -> RenderState:
    state = context.get(_STATE)
    if not isinstance(state, RenderState):  # pragma: no cover - set by every rendering
        raise InvalidInput("a message template was rendered without its locale", field="template")
    return state


# --------------------------------------------------------------------------- bidi and output


def bidi_safe(value: str, direction: Direction) -> str:
    """``value`` isolated if it could reorder the text around it (see the module docstring)."""
    if not value:
        return value
    if direction == "rtl":
        return isolate(value, within="rtl")
    if not _has_rtl_letter(value):
        return value
    return FSI + value + PDI


class Addressed(str):
    """Text the library built bidi-safe itself (a salutation, a name): printed as it is."""

    __slots__ = ()


def _finalize(direction: Direction, value: Any) -> Any:
    """Every ``{{ value }}``: ``None`` is refused, text is made bidi-safe for ``direction``."""
    if value is None:
        raise InvalidInput(
            "a value printed by the template is None; give it, or test it with `is none`",
            field="values",
        )
    if isinstance(value, Addressed | jinja2.Undefined):
        return value
    if isinstance(value, Markup):
        safe = bidi_safe(str(value), direction)
        # the isolates are constants, not input: safe as markup
        return value if safe == value else Markup(FSI) + value + Markup(PDI)  # noqa: S704
    if isinstance(value, str):
        return bidi_safe(value, direction)
    return value


class _Strict(jinja2.StrictUndefined):
    """``StrictUndefined`` that raises ``InvalidInput`` naming the missing variable."""

    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = jinja2.utils.missing,
        name: str | None = None,
        exc: type[jinja2.TemplateRuntimeError] = jinja2.UndefinedError,
    ) -> None:
        super().__init__(hint, obj, name, functools.partial(_undefined, exc, obj, name))  # type: ignore[arg-type]


def _undefined(exc: type[Exception], obj: Any, name: object, _message: str) -> InvalidInput:
    if exc is jinja2.exceptions.SecurityError:
        return InvalidInput(
            "the template reaches for something the sandbox does not allow", field="template"
        )
    shown = name if isinstance(name, str) and _IDENTIFIER.fullmatch(name) else None
    if obj is jinja2.utils.missing:
        if shown is None:
            return InvalidInput("the template needs a value that was not given", field="values")
        return InvalidInput(f"the template needs a value for {shown!r}", field=f"values.{shown}")
    about = f" ({shown!r})" if shown else ""
    return InvalidInput(
        f"the template reads an attribute or key that its value does not have{about}",
        field="template",
    )


# --------------------------------------------------------------------------- filters


def _money_filter(context: jinja2.runtime.Context, amount: object, convert: object = True) -> str:
    """``amount`` (a ``Money``) in the locale; in another currency, converted and disclosed."""
    state = _state(context)
    if not isinstance(amount, Money):
        raise InvalidFormat(
            f"the money filter takes a Money, got {type(amount).__name__}", field="values"
        )
    code = amount.currency.code
    rtl = state._direction == "rtl"
    text = _formatted_money(str(amount.amount), code, state._tag, rtl)
    if code != state._currency and convert is not False:
        if convert is not True:
            raise InvalidFormat("convert is true or false", field="money.convert")
        conversion = exchange_rates.convert(
            amount, state._currency, at=_now(context), table=state.table(), locale=state._tag
        )
        text = f"{text} {conversion.text}"
    # right to left, the amounts are isolated already (format_money, the disclosure)
    return Addressed(text) if rtl else text


@functools.lru_cache(maxsize=4096)
def _formatted_money(amount: str, code: str, tag: str, isolated: bool) -> str:
    """``format_money`` of one amount, kept: a mailing repeats the same few amounts."""
    return _money.format_money(
        Money(Decimal(amount), _money.moneyed_currency(code)), locale=tag, isolated=isolated
    )


def _now(context: jinja2.runtime.Context) -> dt.datetime:
    value = context.get("now")
    if not isinstance(value, dt.datetime):  # pragma: no cover - set by every rendering
        raise InvalidInput("the rendering has no time", field="now")
    return value


_WIDTHS: Final = ("full", "long", "medium", "short")


def _width(value: object, field: str) -> str:
    if value not in _WIDTHS:
        raise InvalidComponent(
            "a date or time format is one of full, long, medium, short", field=field
        )
    return str(value)


def _instant(value: object, field: str) -> dt.datetime:
    if isinstance(value, str):
        with translate_errors(ValueError, InvalidFormat, "not an ISO 8601 time", field=field):
            value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise InvalidFormat(f"expected a datetime, got {type(value).__name__}", field=field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidFormat(
            "a time without a zone cannot be shown in the customer's zone", field=field
        )
    return value


def _date_filter(context: jinja2.runtime.Context, value: object, format: object = "long") -> str:  # noqa: A002
    """A date in the locale; an aware datetime is first moved to the customer's zone."""
    state = _state(context)
    width = _width(format, "date.format")
    if isinstance(value, str) and len(value) == 10:
        with translate_errors(ValueError, InvalidFormat, "not an ISO 8601 date", field="date"):
            value = dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime | str):
        day = _instant(value, "date").astimezone(state._zone).date()
    elif isinstance(value, dt.date):
        day = value
    else:
        raise InvalidFormat(f"expected a date, got {type(value).__name__}", field="date")
    return _format_date(day, width, state._tag)


@functools.lru_cache(maxsize=4096)
def _format_date(day: dt.date, width: str, tag: str) -> str:
    return babel.dates.format_date(day, format=width, locale=_money.babel_locale(tag))


def _datetime_filter(
    context: jinja2.runtime.Context,
    value: object,
    format: object = "long",  # noqa: A002
    time: object = "short",
) -> str:
    """An aware datetime in the customer's zone, without seconds unless asked.

    The date is written at width ``format``, the time at width ``time``, joined by CLDR's
    date-time pattern of the date's width.
    """
    state = _state(context)
    moment = _instant(value, "datetime").astimezone(state._zone)
    date_width = _width(format, "datetime.format")
    time_width = _width(time, "datetime.time")
    pattern = str(state._locale.datetime_formats[date_width]).replace("'", "")
    date_text = babel.dates.format_date(moment.date(), format=date_width, locale=state._locale)
    time_text = babel.dates.format_time(moment, format=time_width, locale=state._locale)
    return pattern.replace("{0}", time_text).replace("{1}", date_text)


def _time_filter(
    context: jinja2.runtime.Context,
    value: object,
    format: object = "short",  # noqa: A002
) -> str:
    """The time of day of an aware datetime in the customer's zone."""
    state = _state(context)
    moment = _instant(value, "time").astimezone(state._zone)
    return babel.dates.format_time(
        moment, format=_width(format, "time.format"), locale=state._locale
    )


def _duration_filter(
    context: jinja2.runtime.Context,
    value: object,
    format: object = "long",  # noqa: A002
) -> str:
    """A ``timedelta`` in words, rounded as CLDR's relative-time units are (``2 days``)."""
    state = _state(context)
    if not isinstance(value, dt.timedelta):
        raise InvalidFormat(f"expected a timedelta, got {type(value).__name__}", field="duration")
    if format not in ("long", "short", "narrow"):
        raise InvalidComponent("a duration format is long, short or narrow", field="duration")
    width: Literal["long", "short", "narrow"] = format
    return babel.dates.format_timedelta(value, format=width, threshold=1.0, locale=state._locale)


def _number(value: object, field: str) -> int | Decimal | float:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise InvalidFormat(f"expected a number, got {type(value).__name__}", field=field)
    if isinstance(value, Decimal | float) and not Decimal(value).is_finite():
        raise InvalidFormat("expected a finite number", field=field)
    return value


def _number_filter(context: jinja2.runtime.Context, value: object) -> str:
    """A number written in the locale (digits, separators)."""
    state = _state(context)
    return babel.numbers.format_decimal(
        _number(value, "number"), locale=state._locale, decimal_quantization=False
    )


def _percent_filter(context: jinja2.runtime.Context, value: object) -> str:
    """A fraction as a percentage in the locale (``0.15`` → ``15 %`` in Finnish)."""
    state = _state(context)
    return babel.numbers.format_percent(
        _number(value, "percent"), locale=state._locale, decimal_quantization=False
    )


def _plural_filter(context: jinja2.runtime.Context, count: object, **forms: object) -> str:
    """The form of ``forms`` for ``count``'s CLDR plural category; ``#`` is the count."""
    state = _state(context)
    number = _number(count, "plural")
    for index, key in enumerate(forms):
        if key not in PLURAL_CATEGORIES:
            raise InvalidComponent(
                "a plural form is one of zero, one, two, few, many, other",
                field=f"plural[{index}]",
            )
    for key, form in forms.items():
        if not isinstance(form, str):
            raise InvalidFormat("a plural form is text", field=f"plural.{key}")
    if "other" not in forms:
        raise InvalidInput("the plural filter needs the 'other' form", field="plural.other")
    with translate_errors(
        (ValueError, TypeError, decimal.InvalidOperation),
        InvalidInput,
        "the count has no plural form",
        field="plural",
    ):
        category = state._locale.plural_form(number)
    form = str(forms.get(category, forms["other"]))
    if "#" not in form:
        return form
    written = babel.numbers.format_decimal(number, locale=state._locale)
    return form.replace("#", written)


def _listing_filter(
    context: jinja2.runtime.Context, items: object, style: object = "standard"
) -> str | Markup:
    """Items joined as the locale joins a list (``a, b and c``; ``style="or"``: ``a, b or c``)."""
    state = _state(context)
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise InvalidFormat("the listing filter takes a list of texts", field="listing")
    if style not in ("standard", "standard-short", "or", "or-short", "unit", "unit-short"):
        raise InvalidComponent("not a CLDR list style", field="listing.style")
    values = list(items)
    for index, item in enumerate(values):
        if not isinstance(item, str):
            raise InvalidFormat(
                "the listing filter takes a list of texts", field=f"listing[{index}]"
            )
    html = context.eval_ctx.autoescape
    texts = [bidi_safe(str(escape(item)) if html else item, state._direction) for item in values]
    joined = babel.lists.format_list(texts, style=str(style), locale=state._locale)  # type: ignore[arg-type]
    # each item was escaped above; CLDR's list pattern adds only punctuation and words
    return Markup(joined) if html else Addressed(joined)  # noqa: S704


LOWER_AFTER_COMMA: Final[Mapping[str, str]] = {
    "de": "DIN 5008 (Duden, Richtiges und gutes Deutsch, 'Brief'): after 'Sehr geehrte Frau X,' "
    "the text begins in lowercase",
    "fi": "Kielitoimiston ohjepankki, 'Viestin aloitus ja lopetus' (Kotus 2023): after 'Hei,' "
    "the text begins in lowercase; after '!' or no mark, in uppercase",
    "lt": "VLKK-based usage notes (galve.lt 'Didžiąja ar mažąja raide pradedamas tekstas po "
    "kreipinio?', arslibri.lt 'Kaip rašyti elektroninius laiškus'): after a comma, lowercase; "
    "after '!', uppercase",
}
"""Languages whose letters continue in lowercase after a salutation that ends with a comma."""


def _after_salutation_filter(context: jinja2.runtime.Context, word: object) -> str:
    """``word`` (the first of the text) in lowercase where the salutation's comma asks for it."""
    state = _state(context)
    if not isinstance(word, str):
        raise InvalidFormat("the after_salutation filter takes text", field="after_salutation")
    opening = context.get("salutation")
    language = state._tag.split("-")[0]
    if (
        isinstance(opening, str)
        and opening.rstrip().endswith(",")
        and language in LOWER_AFTER_COMMA
        and word[:1].isupper()
    ):
        return Addressed(word[:1].lower() + word[1:])
    return Addressed(word)


def _isolate_filter(value: object) -> str:
    """``value`` wrapped in FSI ... PDI, whatever its direction."""
    if not isinstance(value, str):
        value = str(value)
    return Addressed(FSI + value + PDI) if value else Addressed(value)


def _strict(function: Callable[..., Any], *, context: bool = True) -> Callable[..., Any]:
    """``function`` as a filter that names a missing variable rather than its type."""

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            if isinstance(value, jinja2.Undefined):
                str(value)  # raises InvalidInput naming the variable (``_Strict``)
        return function(*args, **kwargs)

    return jinja2.pass_context(checked) if context else checked


FILTERS: Final[Mapping[str, Callable[..., Any]]] = {
    "money": _strict(_money_filter),
    "date": _strict(_date_filter),
    "datetime": _strict(_datetime_filter),
    "time": _strict(_time_filter),
    "duration": _strict(_duration_filter),
    "number": _strict(_number_filter),
    "percent": _strict(_percent_filter),
    "plural": _strict(_plural_filter),
    "listing": _strict(_listing_filter),
    "isolate": _strict(_isolate_filter, context=False),
    "after_salutation": _strict(_after_salutation_filter),
}
"""The locale filters every message template has."""


# --------------------------------------------------------------------------- environments


def _environment(
    *, html: bool, direction: Direction
) -> jinja2.sandbox.ImmutableSandboxedEnvironment:
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        autoescape=html,
        undefined=_Strict,
        finalize=functools.partial(_finalize, direction),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
        cache_size=0,
    )
    env.filters.update(FILTERS)
    return env


@functools.cache
def environment(
    html: bool, direction: Direction = "ltr"
) -> jinja2.sandbox.ImmutableSandboxedEnvironment:
    """The sandboxed environment for text or HTML (autoescaped) templates of one direction."""
    return _environment(html=html, direction=direction)


def compile_template(
    source: object, *, html: bool, field: str, direction: Direction = "ltr"
) -> jinja2.Template:
    """Compile template ``source``; a syntax error is ``InvalidFormat`` naming ``field``, line.

    The text is written in ``direction`` (the language's): values of the other direction are
    isolated where they are printed.
    """
    if not isinstance(source, str):
        raise InvalidFormat(f"expected template text, got {type(source).__name__}", field=field)
    try:
        compiled = environment(html, direction).from_string(source)
    except jinja2.TemplateSyntaxError as error:
        raise InvalidFormat(
            f"the template does not parse (line {error.lineno})", field=field
        ) from None
    # Jinja copies a template's globals into every rendering's context; a flat dict copies in
    # one step where the ChainMap it keeps is walked key by key.
    compiled.globals = dict(compiled.globals)
    return compiled


def variables_of(source: str, *, html: bool) -> frozenset[str]:
    """The names a template reads from its values (``jinja2.meta``), to compute only those."""
    return frozenset(jinja2.meta.find_undeclared_variables(environment(html).parse(source)))


def render_state_key() -> str:
    """The name of the template variable holding the ``RenderState``."""
    return _STATE
