"""``globalcrm demo``: customers from thirteen countries, shown as each culture would show them.

With their conversations across channels and the payment instruments they use.
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from decimal import Decimal
from pathlib import Path

from moneyed import Money
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

import globalcrm as gc
from globalcrm.demo_data import CONVERSATIONS, DEMO_START, sample_customers
from globalcrm.locale import choose_name
from globalcrm.money import format_money
from globalcrm.prices import ENDING_90, ENDING_99, WHOLE_UNITS, Market, PriceBook, PriceEntry

__all__ = ["demo_price_book", "run_demo"]


def run_demo(db: Path, console: Console, *, now: dt.datetime | None = None) -> gc.CRM:
    """Create the demo database at ``db`` (replacing it), print every section, return the CRM."""
    moment = now or dt.datetime.now(dt.UTC)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    crm = gc.open(f"sqlite:///{db}")
    stored = _seed(crm)
    _customers_table(crm, console, moment, db)
    _forms_of_address(crm, console)
    _conversation(crm, console)
    _search(crm, console, stored)
    _prices(crm, console, stored)
    _payments(console, stored, db.parent, moment)
    _payment_records(crm, console, stored, moment)
    _consent(crm, console, stored, moment)
    _segment(crm, console, stored)
    _service_section(crm, console, stored)
    _welcome_messages(crm, console, stored, moment)
    _loyalty(crm, console, stored, moment)
    _erasure(crm, console, moment)
    _privacy_request(crm, console, stored)
    _service_kpis(crm, console, moment)  # metrics (issue 19)
    return crm


def _seed(crm: gc.CRM) -> dict[str, gc.Customer]:
    stored = {c.country: crm.customers.add(c) for c in sample_customers()}
    for country, conversation, messages in CONVERSATIONS:
        for channel, direction, body, minutes in messages:
            crm.interactions.record(
                stored[country].id,
                channel=channel,
                direction=direction,
                body=body,
                conversation=conversation,
                occurred_at=DEMO_START + dt.timedelta(minutes=minutes),
                language=stored[country].language,
            )
    return stored


_WIDE = 150
"""Columns from which the customers are one table; narrower, one card each (no name is cut)."""


def _customers_table(crm: gc.CRM, console: Console, now: dt.datetime, db: Path) -> None:
    title = f"globalcrm demo: {crm.customers.count()} customers in {db}"
    headers = ("", "name", "other scripts", "phone (local)", "address", "address (Latin)",
               "local time", "language")
    rows: list[tuple[str, str, str, str, str, Text, str, str]] = []
    for customer in crm.customers.list(limit=100):
        phone = customer.primary_phone
        shown = choose_name(customer.names, reader_locale=customer.language)
        address = customer.addresses[0] if customer.addresses else None
        rows.append((
            customer.country,
            _full_name(crm, customer),
            "\n".join(name.full for name in customer.names if name != shown),
            phone.national() if phone else "",
            address.format() if address else "",
            _latin_address(address) if address else Text(""),
            customer.local_time(now).strftime("%a %H:%M %Z"),
            customer.language,
        ))
    if console.width >= _WIDE:
        table = Table(title=title, show_lines=True)
        for header in headers:
            table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    console.print(Text(title, style="bold"), justify="center")
    for row in rows:  # one card per customer: a label column and a value column
        card = Table.grid(padding=(0, 2))
        card.add_column(style="dim", no_wrap=True)
        card.add_column(overflow="fold")
        for header, value in zip(headers[2:], row[2:], strict=True):
            if str(value):
                card.add_row(header, value if isinstance(value, Text) else str(value))
        console.print(Panel(card, title=f"{row[0]} · {row[1]}", title_align="left",
                            expand=False))


def _full_name(crm: gc.CRM, customer: gc.Customer, *, reader_locale: str | None = None) -> str:
    """The name as its culture writes it in full.

    CLDR's medium formal form abbreviates some given names (Hindi: प्रि॰ शर्मा); the long form
    is the name as written (प्रिया शर्मा).
    """
    return crm.customers.display_name(customer, reader_locale=reader_locale, length="long")


def _latin_address(address: gc.PostalAddress) -> Text:
    """The address for a reader of Latin script and where it comes from; blank if already Latin."""
    latin = address.format(latin=True)
    if latin == address.format():
        return Text("")
    if address.latin is not None:
        source = "as the customer writes it"
    elif address.needs_latin_version:
        source = "transliterated: ask for theirs"
    else:
        source = "transliterated by ICU"
    return Text(latin) + Text(f"\n({source})", style="dim")


def _forms_of_address(crm: gc.CRM, console: Console) -> None:
    table = Table(title="how to address each customer, in their language", show_lines=True)
    for column in (
        "",
        "name (CLDR, their locale)",
        "for an English reader",
        "email, formal",
        "email, informal",
        "closing",
    ):
        table.add_column(column, overflow="fold")
    for customer in crm.customers.list(limit=100):
        table.add_row(
            customer.country,
            _full_name(crm, customer),
            _full_name(crm, customer, reader_locale="en"),
            crm.customers.salutation_for(customer, formality="formal"),
            crm.customers.salutation_for(customer, formality="informal"),
            crm.customers.closing_for(customer),
        )
    console.print(table)


def _conversation(crm: gc.CRM, console: Console) -> None:
    thread = Table(title="conversation order-1042 across channels")
    for column in ("when (UTC)", "channel", "direction", "message"):
        thread.add_column(column, overflow="fold")
    for item in crm.interactions.conversation("order-1042"):
        thread.add_row(
            item.occurred_at.strftime("%Y-%m-%d %H:%M"), item.channel, item.direction, item.body
        )
    console.print(thread)


def _search(crm: gc.CRM, console: Console, stored: dict[str, gc.Customer]) -> None:
    probe = gc.Customer(
        name=gc.PersonName(given="JONAS", surname="PETRAITIS"),
        country="LT",
        language="lt",
        time_zone="Europe/Vilnius",
        currency="EUR",
    )
    matches = [(m.customer.name.full, m.reasons) for m in crm.customers.likely_duplicates(probe)]
    console.print(f"likely duplicates of a new 'JONAS PETRAITIS': {matches}")
    for query in ("makinen", "やまだ", "Дилноза", "berzina"):
        names = [c.name.full for c in crm.customers.search(query)]
        console.print(f"search {query!r} finds: {names}")


def _payments(
    console: Console, stored: dict[str, gc.Customer], folder: Path, now: dt.datetime
) -> None:
    from globalcrm.payments import boleto, epc_qr, pix, qr_image, upi

    table = Table(title="how each customer pays", show_lines=True,
                  caption=f"QR images written beside the demo database, in {folder.resolve()}")
    for column in ("", "method", "payload", "QR image"):
        table.add_column(column, overflow="fold")
    brazil = stored["BR"]
    code = pix.build(
        merchant_name="GlobalCRM Loja",
        merchant_city="São Paulo",
        key="pagamentos@example.com.br",
        amount=Decimal("149.90"),
        txid="PEDIDO88",
    )
    pix_file = folder / "demo-pix.svg"
    qr_image.svg(code, scheme="pix", path=pix_file)
    table.add_row(brazil.country, "Pix (copia e cola)", code, str(pix_file))
    slip = boleto.build(
        bank_code="001",
        free_field="0000001234567890123456789",
        amount=Decimal("149.90"),
        due_date=now.date() + dt.timedelta(days=3),
    )
    table.add_row(
        brazil.country,
        "Boleto (linha digitável)",
        boleto.format(boleto.to_linha_digitavel(slip)),
        "",
    )
    india = stored["IN"]
    link = upi.build(
        pa="globalcrm@icici", pn="GlobalCRM Store", am=Decimal("1499.00"), tn="Order 1042"
    )
    upi_file = folder / "demo-upi.png"
    qr_image.png(link, scheme="upi", scale=6, path=upi_file)
    table.add_row(india.country, "UPI", link, str(upi_file))
    finland = stored["FI"]
    transfer = epc_qr.build(
        name="GlobalCRM Oy",
        iban="FI2112345600000785",
        amount=Decimal("49.90"),
        remittance_text="Tilaus 1042",
    )
    epc_file = folder / "demo-epc.png"
    qr_image.png(transfer, scheme="epc_qr", scale=6, path=epc_file)
    table.add_row(
        finland.country, "EPC QR (SEPA transfer)", transfer.replace("\n", "⏎"), str(epc_file)
    )
    console.print(table)


def _payment_records(
    crm: gc.CRM, console: Console, stored: dict[str, gc.Customer], now: dt.datetime
) -> None:
    """Offer each customer their local methods; record a Pix, its settlement, a partial refund."""
    table = Table(title="payment methods each customer is offered, in their language")
    for column in ("", "currency", "most relevant first"):
        table.add_column(column, overflow="fold")
    for country, customer in stored.items():
        offered = crm.payments.methods_for(customer)
        names = [method.name_in(customer.language) for method in offered[:6]]
        table.add_row(country, customer.currency, ", ".join(names))
    console.print(table)
    brazil = stored["BR"]
    price = Money(Decimal("149.90"), "BRL")
    order = crm.payments.record(brazil, method="pix", amount=price, provider_reference="PEDIDO88",
                                idempotency_key="demo-order-88", now=now)
    crm.payments.settle_pix(txid="PEDIDO88", amount=price, paid_at=now, now=now,
                            end_to_end_id=f"E18236120{now:%Y%m%d%H%M}demo0000088")
    crm.payments.refund(order, Money(Decimal("49.90"), "BRL"), reason="requested_by_customer",
                        idempotency_key="demo-refund-88", now=now)
    steps = Table(title=f"one Pix of {format_money(price, locale=brazil.language)}, step by step")
    for column in ("seq", "step", "status", "amount", "source"):
        steps.add_column(column, overflow="fold")
    for event in crm.payments.history(order):
        amount = "" if event.amount is None else format_money(event.amount,
                                                              locale=brazil.language)
        steps.add_row(str(event.seq), event.kind, event.to_status, amount, event.source)
    console.print(steps)


def demo_price_book() -> PriceBook:
    """The demo's price book: a net EUR base price, one market per country, a yen list price."""
    from globalcrm.demo_data import MARKETS, PRODUCT

    endings = {"90": ENDING_90, "99": ENDING_99, "whole": WHOLE_UNITS, None: None}
    book = PriceBook(name="default", base_currency="EUR")
    for country, (currency, locale, display, vat, ending) in MARKETS.items():
        book.add_market(
            Market(
                code=country,
                currency=currency,
                locale=locale,
                tax_display=display,
                tax_rate=Decimal(vat),
                ending=endings[ending],
                markup=Decimal("0.015") if currency != "EUR" else Decimal(0),
            )
        )
    book.add_entry(PriceEntry(product=PRODUCT, amount=Money(Decimal("24.00"), "EUR")))
    book.add_entry(
        PriceEntry(
            product=PRODUCT, market="JP", amount=Money(Decimal(3300), "JPY"), tax_included=True
        )
    )
    return book


_NO_TAX = {
    "BR": "taxes not itemised (ICMS varies by state; the demo's book has no rate)",
    "US": "sales tax added at checkout (it varies by state and city)",
}
"""Why a demo market's price book carries no tax rate."""


def _prices(crm: gc.CRM, console: Console, stored: dict[str, gc.Customer]) -> None:
    from globalcrm.demo_data import ECB_SAMPLE, PRODUCT, UZS_SAMPLE

    crm.exchange_rates.import_ecb(io.BytesIO(ECB_SAMPLE.encode()))
    crm.exchange_rates.import_csv(io.StringIO(UZS_SAMPLE))
    crm.prices.save_book(demo_price_book())
    at = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
    table = Table(
        title=f"one {PRODUCT} for every customer (sample rates of 2026-11-20)", show_lines=True
    )
    for column in ("", "price", "tax", "how it was set"):
        table.add_column(column, overflow="fold")
    for country, customer in stored.items():
        quote = crm.prices.for_customer(PRODUCT, customer, at=at)
        how = quote.disclosure_text or ("list price" if quote.origin == "list" else "base price")
        if quote.tax.amount:
            tax = format_money(quote.tax, locale=customer.language)
            shown_tax = f"{'incl.' if quote.tax_included else 'excl.'} {tax}"
        else:  # said, not shown as a zero amount
            shown_tax = _NO_TAX.get(country, "no tax in this market's price book")
        table.add_row(country, quote.text, shown_tax, how)
    console.print(table)


def _consent(
    crm: gc.CRM, console: Console, stored: dict[str, gc.Customer], now: dt.datetime
) -> None:
    from globalcrm.demo_data import MARKETING_NOTICES
    from globalcrm.privacy import Purpose, publish_notice

    crm.privacy.add_purpose(
        Purpose(
            key="marketing-email",
            version=1,
            name="Offers by e-mail",
            dpv_purpose="dpv:DirectMarketing",
            legal_basis={"eu-gdpr": "consent"},
            channels=("email",),
            direct_marketing=True,
            requires_double_opt_in=True,
            categories=frozenset({"direct_marketing"}),
            kantara_category=6,
        )
    )
    shown = now - dt.timedelta(days=1)
    notices = {
        language: crm.privacy.add_notice(
            publish_notice(
                "marketing",
                1,
                language=language,
                title=title,
                body=body,
                effective_from=now - dt.timedelta(days=30),
            )
        ).id
        for language, (title, body) in MARKETING_NOTICES.items()
    }
    jonas, liga = stored["LT"], stored["LV"]
    token = crm.privacy.request_double_opt_in(
        jonas, purpose="marketing-email", channel="email", now=shown
    )
    crm.privacy.record(
        jonas,
        purpose="marketing-email",
        channel="email",
        state="given",
        now=shown,
        notice_id=notices["lt"],
        evidence={"form": "checkout", "ip": "203.0.113.7"},
    )
    crm.privacy.confirm_double_opt_in(token, now=shown + dt.timedelta(minutes=7))
    crm.privacy.record(
        liga,
        purpose="marketing-email",
        channel="email",
        state="refused",
        now=shown,
        notice_id=notices["lv"],
    )
    console.print(
        "a new customer joins: Lena Schmidt (DE), 14, whose guardian consents for her",
        highlight=False,
    )
    lena = crm.customers.add(
        gc.Customer(
            name=gc.PersonName(given="Lena", surname="Schmidt", locale="de"),
            country="DE",
            language="de",
            time_zone="Europe/Berlin",
            currency="EUR",
            birth_date=now.date().replace(year=now.year - 14),
            emails=["lena@example.de"],
        )
    )
    crm.privacy.record(
        lena,
        purpose="marketing-email",
        channel="email",
        state="given",
        now=shown,
        notice_id=notices["de"],
        actor_kind="guardian",
        actor_ref="parent",
        guardian_verification="id_document",
        age_assurance="guardian_verified",
        confirmed_at=shown,
    )
    table = Table(title="who may be e-mailed offers today, and why")
    for column in ("", "customer", "may e-mail", "reason", "rule"):
        table.add_column(column, overflow="fold")
    for person in [*stored.values(), lena]:
        decision = crm.privacy.can_contact(
            person, purpose="marketing-email", channel="email", at=now
        )
        table.add_row(
            person.country,
            _full_name(crm, person),
            "yes" if decision.allowed else "no",
            decision.reason,
            decision.rule,
        )
    console.print(table)
    audience = crm.privacy.audience(purpose="marketing-email", channel="email", at=now)
    checkpoint = crm.privacy.checkpoint()
    console.print(
        f"audience query: {len(audience)} customers may be e-mailed; audit log of "
        f"{checkpoint.tree_size} entries verifies: {crm.privacy.verify_audit() is None}, "
        f"root {checkpoint.root_hash.hex()[:16]}..."
    )


def _segment(crm: gc.CRM, console: Console, stored: dict[str, gc.Customer]) -> None:
    """Baltic customers who wrote on WhatsApp in the last 30 days: one rule, one SQL query."""
    from globalcrm import segments

    as_of = DEMO_START + dt.timedelta(days=1)  # the demo's conversations are dated around then
    crm.interactions.record(
        stored["LV"], channel="whatsapp", direction="inbound", language="lv",
        body="Labdien! Vai varu mainīt piegādes adresi?",
        occurred_at=DEMO_START + dt.timedelta(hours=2), now=as_of,
    )
    rule = segments.parse({
        "all": [
            {"field": "country", "op": "in", "value": ["LT", "LV", "EE"]},
            {"interactions": {"channel": "whatsapp", "direction": "inbound", "within": "P30D"},
             "op": "ge", "value": 1},
        ]
    })
    saved = crm.segments.save("baltic-whatsapp-30d", rule)
    table = Table(
        title="Baltic customers who wrote on WhatsApp in the last 30 days "
        f"(as of {as_of:%Y-%m-%d})",
        caption=f"segment {saved.name}, one SQL query; IL and BR wrote too, but are not Baltic",
    )
    for column in ("name", "country", "language"):
        table.add_column(column, overflow="fold")
    for customer in crm.segments.members(saved.name, now=as_of):
        table.add_row(_full_name(crm, customer), customer.country, customer.language)
    console.print(table)
    console.print(f"the rule, as stored: {rule}", highlight=False, markup=False)


def _service_section(crm: gc.CRM, console: Console, stored: dict[str, gc.Customer]) -> None:
    """One case from live chat to e-mail; its deadline crosses Christmas in Lithuania and a weekend.

    A Vilnius desk answers German customers; the deadline is shown in its zone and theirs.
    """
    from globalcrm.business_hours import BusinessHours
    from globalcrm.support import SlaPolicy, SlaTarget, Team

    hours = BusinessHours(
        time_zone="Europe/Vilnius",
        country="LT",
        weekly={day: [("09:00", "18:00")] for day in ("mon", "tue", "wed", "thu", "fri")},
    )
    crm.service.save_policy(
        SlaPolicy(
            key="standard",
            targets=[
                SlaTarget(metric="first_response", within=dt.timedelta(hours=2)),
                SlaTarget(metric="first_response", within=dt.timedelta(minutes=5),
                          channel="live_chat", business_hours=False),
                SlaTarget(metric="resolution", within=dt.timedelta(hours=8)),
            ],
        )
    )
    crm.service.save_team(
        Team(key="vilnius", name="Vilnius desk", languages=["lt", "de", "en"],
             business_hours=hours, agents=["ona", "petras"], sla_policy="standard")
    )
    customer = stored["DE"]
    opened = dt.datetime(2026, 12, 23, 14, 30, tzinfo=dt.UTC)  # Wednesday 16:30 in Vilnius
    minute = dt.timedelta(minutes=1)
    case = crm.service.open_case(customer, channel="live_chat", subject="Bestellung 1042",
                                 body="Hallo, mein Paket ist beschädigt angekommen.", now=opened)
    crm.service.assign(case, strategy="round_robin", now=opened + minute)
    crm.service.reply(case, body="Das tut uns leid! Schicken Sie uns bitte ein Foto per E-Mail.",
                      now=opened + 3 * minute)
    crm.service.set_status(case, "pending_customer", now=opened + 4 * minute)
    crm.service.message(case, channel="email", body="Hier ist das Foto.", now=opened + 40 * minute)
    thread = crm.service.case(case.id)
    table = Table(title=f"case {case.id}: one thread across {', '.join(thread.channels)}")
    for column in ("when (UTC)", "channel", "direction", "message"):
        table.add_column(column, overflow="fold")
    for item in thread.interactions:
        table.add_row(item.occurred_at.strftime("%Y-%m-%d %H:%M"), item.channel, item.direction,
                      item.body)
    console.print(table)
    due = thread.case.resolution_due
    assert due is not None  # noqa: S101 - the policy has a resolution target
    crossed = [
        f"{day:%a %d %b} {hours.holiday(day)}"
        for day in (opened.date() + dt.timedelta(days=i) for i in range((due - opened).days + 1))
        if hours.holiday(day)
    ]
    team_time = due.astimezone(zoneinfo.ZoneInfo(hours.time_zone))
    their_time = customer.local_time(due)
    console.print(
        f"resolution due (8 business hours, the clock paused while waiting on the customer): "
        f"{team_time:%a %d %b %H:%M} in Vilnius, {their_time:%a %d %b %H:%M} for the customer "
        f"in {customer.time_zone}; closed on the way: {'; '.join(crossed)} and the weekend"
    )
    view = crm.service.context(customer, case=case.id, now=opened + 41 * minute)
    console.print(
        f"agent's view: {view.name!s} | {view.salutation!s} | {view.language}, "
        f"{view.local_time:%H:%M} local, inside contact hours: {view.inside_contact_hours}, "
        f"open cases: {len(view.open_cases)}, prefers {', '.join(view.preferred_channels)}; "
        f"best time to call them: "
        f"{crm.service.best_contact_time(customer, after=opened):%a %d %b %H:%M} their time"
    )


def _welcome_messages(
    crm: gc.CRM, console: Console, stored: dict[str, gc.Customer], now: dt.datetime
) -> None:
    """A welcome to every customer on their preferred channel, in their language and manners."""
    table = Table(title="a welcome message to each customer (crm.messages)", show_lines=True)
    for column in ("", "channel", "written in", "message"):
        table.add_column(column, overflow="fold")
    for country, customer in stored.items():
        channel = customer.preferred_channels[0] if customer.preferred_channels else "email"
        message = crm.messages.render(
            "welcome", customer, channel=channel, now=now, brand="globalcrm demo shop"
        )
        shown = f"{message.locale} ({message.formality.value})"
        if message.fallback:
            shown += f"\nno {customer.language} text: {message.variant}"
        table.add_row(country, channel, shown, Text(f"{message.subject}\n\n{message.text}"))
    console.print(table)


def _loyalty(
    crm: gc.CRM, console: Console, stored: dict[str, gc.Customer], now: dt.datetime
) -> None:
    """Everyone joins the default program and buys the mug; one customer moves up a tier."""
    from globalcrm.demo_data import PRODUCT

    bought = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)
    table = Table(title=f"loyalty: one {PRODUCT} each, points earned in the program's EUR")
    for column in ("", "customer", "paid", "points", "tier, in their language"):
        table.add_column(column, overflow="fold")
    for country, customer in stored.items():
        account = crm.loyalty.enroll(customer, now=bought)  # the first makes the program
        paid = crm.prices.for_customer(PRODUCT, customer, at=bought)
        entry = crm.loyalty.earn(account, amount=paid.amount, channel="web_form",
                                 occurred_at=bought, reference=f"mug-{country}", now=now)
        tier = crm.loyalty.tier(account, at=now).name(customer.language)
        table.add_row(country, _full_name(crm, customer), paid.text, f"{entry.points}", tier)
    console.print(table)
    taro = stored["JP"]
    before = crm.loyalty.tier(taro, at=now).name(taro.language)
    price = Money(Decimal(198_000), "JPY")
    crm.loyalty.earn(taro, amount=price, channel="in_person", reference="rice-cooker",
                     occurred_at=bought + dt.timedelta(hours=2), now=now)
    after = crm.loyalty.tier(taro, at=now)
    console.print(
        f"{_full_name(crm, taro)}: a rice cooker for {format_money(price, locale='ja')} "
        f"moves them up, {before} → {after.name(taro.language)} "
        f"(perks: {', '.join(after.perks)}); the ledger verifies: {crm.loyalty.verify().ok}"
    )


def _erasure(crm: gc.CRM, console: Console, now: dt.datetime) -> None:
    """Erase a customer; show that no column holds their values and both chains verify."""
    console.rule("Erasure (GDPR art. 17): generated from the personal-data registry")
    values = ["Marta", "Žemaitytė", "marta.zemaityte@example.lt", "Ar galiu grąžinti batus?"]
    marta = crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Marta", surname="Žemaitytė", locale="lt"), country="LT",
        language="lt", time_zone="Europe/Vilnius", currency="EUR",
        emails=[gc.EmailAddress(address=values[2])],
        phones=[gc.PhoneNumber.parse("+37061299999")]), now=now)
    crm.interactions.record(marta, channel="email", direction="inbound", body=values[3],
                            occurred_at=now)
    before = crm.privacy.scan(values)
    report = crm.privacy.erase(marta, now=now, request="demo-request")
    after = crm.privacy.scan(values)
    console.print(
        f"before: {len(before)} columns hold Marta's values; erased: "
        f"{sum(report.changed.values())} rows in {len(report.changed)} tables, "
        f"{report.suppressed} addresses on the suppression list; after: {len(after)} columns"
    )
    for item in report.kept:
        console.print(f"  kept: {item.table} ({', '.join(item.categories)}): {item.ground}")
    console.print(
        f"audit chain verifies: {crm.privacy.verify_audit() is None}; "
        f"consent ledger verifies: {crm.privacy.verify_ledger() is None}"
    )


def _privacy_request(crm: gc.CRM, console: Console, stored: dict[str, gc.Customer]) -> None:
    """A GDPR access request from the Lithuanian customer, counted in the Vilnius calendar.

    One month from 24 November 2026 ends on Christmas Eve, a public holiday in Lithuania: the
    period runs to the next working day (Regulation 1182/71 Art. 3(4)), Monday 28 December.
    """
    from globalcrm.privacy.deadlines import LegalCalendar

    vilnius = LegalCalendar(time_zone="Europe/Vilnius", country="LT")
    crm.privacy.requests.set_calendar(vilnius)
    received = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)  # 10:00 in Vilnius
    request = crm.privacy.requests.open(
        stored["LT"], right="access", channel="email", received_at=received,
        identity_verified=True, now=received,
    )
    due = request.deadline()
    console.print(
        f"data-subject request {request.id}: {request.right} under "
        f"{', '.join(request.regimes)}, received {received.astimezone(vilnius.zone):%a %d %b %Y} "
        f"in Vilnius; due {due.due_date:%a %d %b %Y} "
        f"(23:59 Vilnius time, {due.due_at:%Y-%m-%d %H:%M} UTC): {due.cite}",
        highlight=False,
    )
    aware = dt.datetime(2026, 12, 23, 15, 0, tzinfo=dt.UTC)
    clocks = crm.privacy.breach_deadlines(aware, regimes=["eu-gdpr"])
    console.print(
        "breach found " + f"{aware.astimezone(vilnius.zone):%a %d %b %H:%M} in Vilnius: "
        + "; ".join(
            f"tell the authority under {clock.regime} by "
            f"{clock.due_at.astimezone(vilnius.zone):%a %d %b %H:%M} ({clock.cite})"
            for clock in clocks
        ),
        highlight=False,
    )
# --------------------------------------------------------------------------- metrics (issue 19)


def _service_kpis(crm: gc.CRM, console: Console, now: dt.datetime) -> None:
    """NPS and CSAT by country from a synthetic service history, and the customers at risk."""
    from globalcrm.metrics_demo import seed_service_history
    from globalcrm.metrics_format import table

    shop = crm.for_tenant("service-history")  # synthetic data in a tenant of its own
    seed_service_history(shop, now=now, customers=10, weeks=6)
    header, rows = table(shop.metrics.report(["nps", "csat", "frt"], by="country", now=now,
                                             locale="en", percentiles=[90]))
    shown = Table(title="service KPIs by country, last 30 days (crm.metrics.report)")
    for column in header:
        shown.add_column(column, overflow="fold")
    for row in rows:
        shown.add_row(*row)
    console.print(shown)
    risks = shop.metrics.at_risk(now=now)
    listed = Table(title=f"{len(risks)} customers at risk of leaving")
    listed.add_column("customer", no_wrap=True, min_width=26)  # an id is never cut
    for column in ("score", "why"):
        listed.add_column(column, overflow="fold")
    for risk in risks:
        listed.add_row(risk.customer_id, str(risk.score),
                       "; ".join(reason.detail for reason in risk.reasons))
    console.print(listed)
