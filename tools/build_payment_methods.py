"""Build the payment-method catalog from ``tools/payment_methods.toml``.

Writes ``src/globalcrm/payments/data/payment_methods.json`` (package data, read by
``globalcrm.payments.catalog``) and ``docs/guide/payment-methods.md`` (the guide's catalog
tables, generated so the page and the data cannot disagree). The source table is reviewed by
hand and every fact in it carries a citation; this script checks it (known countries,
currencies, languages, format modules and citations; ranks that do not collide; a name, a brand
or an explicit "untranslated" for every language of every country a method is used in) and
writes sorted keys and no timestamps, so running it twice gives the same bytes.

Usage: ``python tools/build_payment_methods.py [--check]``
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import babel
import pycountry
from babel.languages import get_official_languages

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tools" / "payment_methods.toml"
DATA = ROOT / "src" / "globalcrm" / "payments" / "data" / "payment_methods.json"
PAGE = ROOT / "docs" / "guide" / "payment-methods.md"
MODULES = ROOT / "src" / "globalcrm" / "payments"

TYPES = ("wallet", "bank_transfer", "real_time", "voucher", "direct_debit", "card", "bnpl")
REFUNDS = ("full_and_partial", "full", "no", "varies")
PERIODS = ("transaction", "day", "month")
DIRECTIONS = ("payment", "payout")
BASES = ("business", "calendar")
USER_ASSIGNED = frozenset({"XK"})
_KEY = re.compile(r"[a-z][a-z0-9_]*")


class SourceError(ValueError):
    """The source table breaks one of its own rules (the message says which and where)."""


def _fail(where: str, message: str) -> SourceError:
    return SourceError(f"{where}: {message}")


def _cites(value: object, where: str, citations: dict[str, Any], used: set[str]) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _fail(where, "needs a non-empty list of citation ids in `cite`")
    for cite in value:
        if cite not in citations:
            raise _fail(where, f"unknown citation {cite!r}")
        used.add(cite)
    return list(value)


def _country(code: object, where: str) -> str:
    if not isinstance(code, str) or not (
        code in USER_ASSIGNED or pycountry.countries.get(alpha_2=code) is not None
    ):
        raise _fail(where, f"unknown country {code!r}")
    return code


def _currency(code: object, where: str) -> str:
    if not isinstance(code, str) or pycountry.currencies.get(alpha_3=code) is None:
        raise _fail(where, f"unknown currency {code!r}")
    return code


def _amount(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(where, "amounts are written as text, e.g. \"50000.00\"")
    try:
        number = Decimal(value)
    except InvalidOperation as error:
        raise _fail(where, f"not a decimal amount: {value!r}") from error
    if not number.is_finite() or number < 0:
        raise _fail(where, f"not a non-negative amount: {value!r}")
    return value


def _regions(raw: dict[str, Any], citations: dict[str, Any], used: set[str]) -> dict[str, Any]:
    expanded: dict[str, list[str]] = {}
    result: dict[str, Any] = {}
    for name, region in raw.items():
        where = f"regions.{name}"
        countries: list[str] = []
        for code in region["countries"]:
            countries.extend(expanded[code] if code in expanded else [_country(code, where)])
        expanded[name] = sorted(set(countries))
        result[name] = {
            "cite": _cites(region.get("cite"), where, citations, used),
            "countries": expanded[name],
        }
    return result


def _needed_languages(countries: list[str]) -> set[str]:
    """The official and de facto official languages (CLDR, through babel) of ``countries``."""
    return {
        language
        for country in countries
        for language in get_official_languages(country, de_facto=True)
    } - {"en"}


def _names(
    raw: dict[str, Any], method: dict[str, Any], citations: dict[str, Any], used: set[str]
) -> dict[str, Any]:
    where = f"method {method['key']}: names"
    brand = raw.get("brand")
    if not isinstance(brand, bool):
        raise _fail(where, "says `brand = true` or `brand = false`")
    localized: dict[str, Any] = {}
    for tag, entry in sorted(raw.get("localized", {}).items()):
        try:
            babel.Locale.parse(tag, sep="-")
        except (ValueError, babel.UnknownLocaleError) as error:
            raise _fail(where, f"{tag!r} is not a locale CLDR knows") from error
        if tag.split("-")[0] == "zh" and len(tag.split("-")) < 2:
            raise _fail(where, "Chinese names carry their script (zh-Hans, zh-Hant)")
        localized[tag] = {
            "cite": _cites(entry.get("cite"), f"{where}.{tag}", citations, used),
            "name": entry["name"],
        }
    untranslated = sorted(raw.get("untranslated", []))
    if method["worldwide"]:
        if not brand:
            raise _fail(where, "a worldwide method must be a brand (its languages are all)")
    else:
        needed = _needed_languages(method["countries"])
        covered = {tag.split("-")[0] for tag in localized}
        missing = sorted(needed - covered - set(untranslated)) if not brand else []
        if missing:
            raise _fail(where, f"no name, brand or `untranslated` for {missing}")
        stale = sorted(set(untranslated) - (needed - covered))
        if stale:
            raise _fail(where, f"`untranslated` lists languages it need not: {stale}")
    if untranslated and not raw.get("untranslated_note"):
        raise _fail(where, "`untranslated` needs an `untranslated_note` saying why")
    return {
        "brand": brand,
        "cite": _cites(raw["cite"], where, citations, used) if "cite" in raw else [],
        "localized": localized,
        "note": raw.get("note"),
        "untranslated": untranslated,
        "untranslated_note": raw.get("untranslated_note"),
    }


def _limit(raw: dict[str, Any], where: str, citations: dict[str, Any], used: set[str]) -> Any:
    low = _amount(raw.get("min"), where)
    high = _amount(raw.get("max"), where)
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        raise _fail(where, "min is above max")
    per = raw.get("per", "transaction")
    applies_to = raw.get("applies_to", "payment")
    if per not in PERIODS or applies_to not in DIRECTIONS:
        raise _fail(where, f"per is one of {PERIODS}, applies_to one of {DIRECTIONS}")
    if low is None and high is None and not raw.get("set_by"):
        raise _fail(where, "a limit gives min, max or set_by")
    return {
        "applies_to": applies_to,
        "cite": _cites(raw.get("cite"), where, citations, used),
        "currency": _currency(raw.get("currency"), where),
        "max": high,
        "min": low,
        "note": raw.get("note"),
        "per": per,
        "set_by": raw.get("set_by"),
    }


def _method(
    raw: dict[str, Any], index: int, regions: dict[str, Any], citations: dict[str, Any],
    used: set[str],
) -> dict[str, Any]:
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise _fail(f"method {index + 1}", f"bad key {key!r}")
    where = f"method {key}"
    if raw.get("type") not in TYPES:
        raise _fail(where, f"type is one of {TYPES}")
    worldwide = bool(raw.get("worldwide", False))
    countries: list[str] = []
    for code in raw.get("countries", []):
        countries.extend(regions[code]["countries"] if code in regions else [_country(code, where)])
    if worldwide == bool(countries):
        raise _fail(where, "either `worldwide = true` or a list of countries")
    module = raw.get("module")
    if module is not None and not (MODULES / f"{module}.py").is_file():
        raise _fail(where, f"no module globalcrm.payments.{module}")
    method: dict[str, Any] = {
        "aliases": sorted(raw.get("aliases", [])),
        "cite": _cites(raw.get("cite"), where, citations, used),
        "countries": sorted(set(countries)),
        "currencies": sorted({_currency(c, where) for c in raw.get("currencies", [])}),
        "key": key,
        "module": module,
        "name": raw["name"],
        "order": index,
        "type": raw["type"],
        "worldwide": worldwide,
        "worldwide_note": raw.get("worldwide_note"),
    }
    method["limits"] = [
        _limit(limit, f"{where}: limit {n + 1}", citations, used)
        for n, limit in enumerate(raw.get("limits", []))
    ]
    refunds = raw.get("refunds")
    if refunds is not None:
        if refunds.get("value") not in REFUNDS:
            raise _fail(where, f"refunds value is one of {REFUNDS}")
        refunds = {
            "cite": _cites(refunds.get("cite"), f"{where}: refunds", citations, used),
            "note": refunds.get("note"),
            "value": refunds["value"],
        }
    method["refunds"] = refunds
    settlement = raw.get("settlement")
    if settlement is not None:
        days = settlement.get("days")
        if days is not None and (not isinstance(days, int) or days < 0):
            raise _fail(where, "settlement days is a whole number")
        if days is not None and settlement.get("basis") not in BASES:
            raise _fail(where, f"settlement with days says its basis: one of {BASES}")
        settlement = {
            "basis": settlement.get("basis"),
            "cite": _cites(settlement.get("cite"), f"{where}: settlement", citations, used),
            "days": days,
            "text": settlement["text"],
        }
    method["settlement"] = settlement
    prevalence = {}
    for country, entry in sorted(raw.get("prevalence", {}).items()):
        if not worldwide and country not in method["countries"]:
            raise _fail(where, f"prevalence for {country}, where the method is not listed")
        rank = entry.get("rank")
        if not isinstance(rank, int) or rank < 1:
            raise _fail(where, f"prevalence in {country}: rank is a whole number from 1")
        if not (entry.get("share") or entry.get("statement")):
            raise _fail(where, f"prevalence in {country}: quote the share or the statement")
        prevalence[_country(country, where)] = {
            "cite": _cites(entry.get("cite"), f"{where}: prevalence {country}", citations, used),
            "rank": rank,
            "scope": entry["scope"],
            "share": entry.get("share"),
            "statement": entry.get("statement"),
        }
    method["prevalence"] = prevalence
    method["names"] = _names(raw.get("names", {}), method, citations, used)
    return method


def _check_collisions(methods: list[dict[str, Any]]) -> None:
    seen: dict[str, str] = {}
    for method in methods:
        for name in (method["key"], *method["aliases"]):
            if name in seen:
                raise _fail(f"method {method['key']}", f"{name!r} is already {seen[name]}'s")
            seen[name] = method["key"]
    ranks: dict[tuple[str, int], str] = {}
    for method in methods:
        for country, entry in method["prevalence"].items():
            slot = (country, entry["rank"])
            if slot in ranks:
                raise _fail(
                    f"method {method['key']}",
                    f"rank {entry['rank']} in {country} is already {ranks[slot]}'s",
                )
            ranks[slot] = method["key"]


def build() -> dict[str, Any]:
    """Return the package data (raises :class:`SourceError` on a rule the table breaks)."""
    raw_bytes = SOURCE.read_bytes()
    raw = tomllib.loads(raw_bytes.decode("utf-8"))
    citations: dict[str, Any] = {}
    for cite_id, entry in sorted(raw["citations"].items()):
        if entry.get("read") not in ("search 2026-12-03", "research session"):
            raise _fail(f"citations.{cite_id}", "read is 'search 2026-12-03' or 'research session'")
        citations[cite_id] = {
            "note": entry.get("note"),
            "read": entry["read"],
            "title": entry["title"],
            "url": entry.get("url") or None,
        }
    used: set[str] = set()
    regions = _regions(raw["regions"], citations, used)
    methods = [
        _method(entry, index, regions, citations, used)
        for index, entry in enumerate(raw["method"])
    ]
    _check_collisions(methods)
    unused = sorted(set(citations) - used)
    if unused:
        raise _fail("citations", f"never cited: {unused}")
    source = raw["source"]
    return {
        "citations": citations,
        "methods": methods,
        "regions": regions,
        "source": {
            "as_of": source["as_of"],
            "generator": "tools/build_payment_methods.py",
            "input": "tools/payment_methods.toml",
            "input_sha256": hashlib.sha256(raw_bytes).hexdigest(),
            "licence": source["licence"],
            "research": source["research"],
            "title": source["title"],
        },
    }


def data_text(data: dict[str, Any]) -> str:
    """The package data file's text: sorted keys, one-space indent, a final newline."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


# --------------------------------------------------------------------------- the guide page

INTRO = """# Local payment methods

<!-- generated by tools/build_payment_methods.py from tools/payment_methods.toml (via
     src/globalcrm/payments/data/payment_methods.json); edit the table and rerun the tool,
     never this page -->

`globalcrm.payments.catalog` says which payment methods people use in a country, as package data
built from a reviewed source table in which every fact carries its citation (checked as of
**{as_of}**). Each entry has its countries and currencies, its type, the per-transaction limits
the cited providers document, refunds, settlement delay, the `globalcrm.payments` module that
checks its instruments, where a source ranks it in a country, and its name in the languages of
the countries where it is used.

```pycon
>>> from globalcrm.money import money
>>> from globalcrm.payments import catalog
>>> [m.key for m in catalog.methods_for("BR")]
['pix', 'visa', 'mastercard', 'elo', 'boleto', 'amex', 'discover', 'jcb']
>>> pix = catalog.method("pix")
>>> pix.type, pix.module, pix.refunds
('real_time', 'pix', 'full_and_partial')

```

`methods_for(country, *, currency=None, amount=None, preferred=())` lists a country's methods in
order: the caller's `preferred` keys first (in their order, when the method is used there and
passes the filters), then by the rank a cited source gives the method in that country, then the
country's own methods before the worldwide card schemes, then the order of the source table.
`currency` keeps the methods paid in that currency (card schemes take any). `amount` (a
`globalcrm.money` `Money`) also sets the currency and drops a method only when **no** cited source
documents a per-transaction range that holds it; a source that says the payer's bank sets the
limit documents no range and keeps the method. Limits in another currency are not converted or
guessed: they do not filter.

```pycon
>>> [m.key for m in catalog.methods_for("PL", amount=money("60000", "PLN"))]
['klarna', 'visa', 'mastercard', 'amex', 'discover', 'jcb']
>>> [m.key for m in catalog.methods_for("NL", currency="EUR", preferred=["klarna"])][:3]
['klarna', 'ideal', 'sepa_debit']

```

Names follow a CLDR-style fallback (`pt-BR`, then `pt`, then English); a brand name is the same
in every language, and the data says so.

```pycon
>>> catalog.method("alipay").name_in("zh-CN"), catalog.method("sepa_debit").name_in("de-AT")
('支付宝', 'SEPA-Lastschrift')
>>> catalog.method("sepa_debit").name_in("pt-BR"), catalog.method("pix").name_in("pt-BR")
('SEPA Direct Debit', 'Pix')

```

An unknown country, currency or method key raises `InvalidComponent`. The wiring to a
customer's country and preferences (`crm.payments`) is not part of this module.
"""


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _refs(ids: list[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def _amount_text(limit: dict[str, Any]) -> str:
    low, high = limit["min"], limit["max"]
    if low is None and high is None:
        text = f"{limit['currency']}: set by the {limit['set_by']}"
    elif high is None:
        text = f"from {low} {limit['currency']}"
    elif low is None:
        text = f"up to {high} {limit['currency']}"
    else:
        text = f"{low}–{high} {limit['currency']}"
    if limit["per"] != "transaction":
        text += f" per {limit['per']}"
    if limit["applies_to"] != "payment":
        text += f" ({limit['applies_to']}s)"
    if limit["note"]:
        text += f" ({limit['note']})"
    return f"{text} [{_refs(limit['cite'])}]"


def _countries(method: dict[str, Any]) -> str:
    if method["worldwide"]:
        return "worldwide"
    countries = method["countries"]
    if len(countries) > 12:
        return f"{len(countries)} countries: {', '.join(countries)}"
    return ", ".join(countries)


def build_page(data: dict[str, Any]) -> str:
    """Return the Markdown of ``docs/guide/payment-methods.md``."""
    methods = data["methods"]
    lines = [INTRO.format(as_of=data["source"]["as_of"])]
    lines.append(f"## The catalog ({len(methods)} methods)\n")
    lines.append(
        "| method | key | type | used in | currencies | limits | refunds | settlement | module "
        "| sources |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for m in methods:
        limits = "<br>".join(_amount_text(limit) for limit in m["limits"]) or "none documented"
        refunds = m["refunds"]
        refund_text = (
            "not documented"
            if refunds is None
            else f"{refunds['value']}" + (f" ({refunds['note']})" if refunds["note"] else "")
            + f" [{_refs(refunds['cite'])}]"
        )
        settlement = m["settlement"]
        settlement_text = (
            "not documented"
            if settlement is None
            else f"{settlement['text']} [{_refs(settlement['cite'])}]"
        )
        currencies = ", ".join(m["currencies"]) or "any"
        module = f"`{m['module']}`" if m["module"] else ""
        lines.append(
            f"| {_cell(m['name'])} | `{m['key']}` | {m['type']} | {_cell(_countries(m))} | "
            f"{currencies} | {_cell(limits)} | {_cell(refund_text)} | {_cell(settlement_text)} | "
            f"{module} | {_refs(m['cite'])} |"
        )
    lines.append("\n## Where a source ranks a method\n")
    lines.append(
        "`rank` orders the methods of one country as far as the cited statement goes; `scope` "
        "says what the statement is about (a claim about mobile payments ranks a wallet among "
        "this catalog's methods, not above cards in general). Methods without a cited ranking "
        "follow the ranked ones.\n"
    )
    lines.append("| country | rank | method | scope | share or statement | sources |")
    lines.append("|---|---|---|---|---|---|")
    rows = sorted(
        ((country, entry["rank"]), m, entry)
        for m in methods
        for country, entry in m["prevalence"].items()
    )
    for (country, rank), m, entry in rows:
        said = entry["share"] or entry["statement"]
        lines.append(
            f"| {country} | {rank} | {_cell(m['name'])} | {_cell(entry['scope'])} | "
            f"{_cell(said)} | {_refs(entry['cite'])} |"
        )
    lines.append("\n## Names\n")
    lines.append(
        "A brand name is written the same in every language. Other methods carry the names "
        "cited for the languages of their countries; a language listed as untranslated has no "
        "cited name yet and shows the English one.\n"
    )
    lines.append("| method | brand | localized names | untranslated (English shown) |")
    lines.append("|---|---|---|---|")
    for m in methods:
        names = m["names"]
        localized = "; ".join(
            f"{tag}: {entry['name']} [{_refs(entry['cite'])}]"
            for tag, entry in names["localized"].items()
        )
        if names["brand"] and names["note"]:
            localized = (localized + "; " if localized else "") + names["note"]
        untranslated = ", ".join(names["untranslated"])
        if untranslated and names["untranslated_note"]:
            untranslated += f" ({names['untranslated_note']})"
        lines.append(
            f"| {_cell(m['name'])} | {'yes' if names['brand'] else 'no'} | {_cell(localized)} | "
            f"{_cell(untranslated)} |"
        )
    lines.append("\n## Regions\n")
    lines.append("| region | countries | sources |")
    lines.append("|---|---|---|")
    for name, region in sorted(data["regions"].items()):
        lines.append(f"| {name} | {', '.join(region['countries'])} | {_refs(region['cite'])} |")
    lines.append("\n## Sources\n")
    lines.append(
        "`read` says who read the page: `search 2026-12-03` (re-read when this table was made) "
        "or `research session` (read for the project's payments research, "
        "`shared/research/payments.md` part (b)).\n"
    )
    lines.append("| id | source | read | what it says |")
    lines.append("|---|---|---|---|")
    for cite_id, entry in sorted(data["citations"].items()):
        title = _cell(entry["title"])
        source = f"[{title}]({entry['url']})" if entry["url"] else title
        lines.append(f"| `{cite_id}` | {source} | {entry['read']} | {_cell(entry['note'])} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Write the data and the page, or with ``--check`` report whether both are up to date."""
    try:
        data = build()
    except SourceError as error:
        print(f"tools/payment_methods.toml: {error}")
        return 1
    outputs = {DATA: data_text(data), PAGE: build_page(data)}
    if "--check" in argv:
        stale = [
            path.relative_to(ROOT).as_posix()
            for path, text in outputs.items()
            if not path.exists() or path.read_text(encoding="utf-8") != text
        ]
        print("out of date: " + ", ".join(stale) if stale else "up to date")
        return 1 if stale else 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT).as_posix()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
