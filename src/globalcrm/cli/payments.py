"""``globalcrm payments ...``: formats and QR codes, the methods to offer, payment records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import globalcrm as gc
from globalcrm import payment_records
from globalcrm.cli.base import (
    DEFAULT_URL,
    CustomerArgument,
    OutputFormat,
    TenantOption,
    UrlOption,
    app,
    console,
    customer_id,
    data_table,
    opened,
    output_format,
    print_json,
    reported,
)

payments_app = typer.Typer(
    help="Check payment instruments and draw their QR codes.", no_args_is_help=True
)
app.add_typer(payments_app, name="payments")


@payments_app.command("validate")
def payments_validate(
    text: Annotated[str, typer.Argument(help="A Boleto line, Pix/EMV payload, UPI link, IBAN...")],
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Detect the payment format of TEXT and explain what is wrong with it, with the position."""
    from globalcrm.payments import detect

    with reported():
        shape = output_format(format)
        explanation = detect.explain(text)
    valid = explanation.splitlines()[-1].endswith(": valid")
    if shape == "json":
        print_json({"valid": valid, "explanation": explanation.splitlines()})
    else:
        console.print(explanation, highlight=False, markup=False)
    if not valid:
        raise typer.Exit(1)


@payments_app.command("qr")
def payments_qr(
    payload: Annotated[
        str, typer.Argument(help="The payload to encode (a Pix code, a UPI link...).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write: .svg or .png.")],
    scheme: Annotated[
        str, typer.Option(help="pix, promptpay, paynow, upi, epc_qr, swiss_qr or generic.")
    ] = "generic",
    scale: Annotated[int, typer.Option(help="Pixels per module.")] = 4,
) -> None:
    """Write the QR code of PAYLOAD as SVG or PNG, at the error-correction level SCHEME requires."""
    from globalcrm.payments import qr_image

    with reported():
        suffix = output.suffix.lower()
        if suffix not in (".svg", ".png"):
            raise gc.InvalidInput("the output file must end in .svg or .png", field="output")
        writer = qr_image.svg if suffix == ".svg" else qr_image.png
        writer(payload, scheme=scheme, scale=scale, path=output)
    console.print(f"wrote {output} ({scheme}, error correction {qr_image.error_level(scheme)})")



# --------------------------------------------------------------------------- payment records
# ``globalcrm payments methods|list|show|refund`` (issue 21): the methods to offer a customer
# and the record of their payments, as a table or as JSON.


payments_app.info.help = (
    "Payment instruments and their QR codes; the methods to offer a customer, and the record "
    "of their payments."
)
def _payment_json(payment: payment_records.Payment, *, full: bool = False) -> dict[str, object]:
    data: dict[str, object] = {
        "id": payment.id,
        "customer_id": payment.customer_id,
        "purchase_id": payment.purchase_id,
        "method": payment.method,
        "amount": str(payment.amount.amount),
        "currency": payment.currency,
        "refunded": str(payment.refunded),
        "refundable": str(payment.refundable.amount),
        "status": payment.status,
        "provider": payment.provider,
        "provider_reference": payment.provider_reference,
        "created_at": payment.created_at.isoformat(),
        "paid_at": None if payment.paid_at is None else payment.paid_at.isoformat(),
        "updated_at": None if payment.updated_at is None else payment.updated_at.isoformat(),
        "version": payment.version,
    }
    if full:
        data["instrument"] = payment.instrument
    return data


def _event_json(event: payment_records.PaymentEvent) -> dict[str, object]:
    return {
        "seq": event.seq,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "amount": None if event.amount is None else str(event.amount.amount),
        "occurred_at": event.occurred_at.isoformat(),
        "recorded_at": event.recorded_at.isoformat(),
        "source": event.source,
        "provider_event_id": event.provider_event_id,
        "reason": event.reason,
    }


def _payments_table(payments: list[payment_records.Payment]) -> Table:
    table = data_table("id", "customer", "method", "amount", "refunded", "status", "created (UTC)")
    for payment in payments:
        table.add_row(
            payment.id,
            payment.customer_id,
            payment.method,
            f"{payment.amount.amount} {payment.currency}",
            str(payment.refunded),
            payment.status,
            payment.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    return table


@payments_app.command("methods")
def payments_methods(
    customer: CustomerArgument,
    amount: Annotated[
        str | None, typer.Option(help="An amount, to drop methods whose limits it exceeds.")
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="The amount's currency (default: the customer's).")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """The payment methods to offer CUSTOMER, most relevant first, named in their language."""
    from globalcrm.money import money

    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            person = crm.customers.get(customer_id(crm, customer))
            wanted = None if amount is None else money(amount, currency or person.currency)
            found = crm.payments.methods_for(person, wanted)
            rows = [
                {
                    "key": method.key,
                    "name": method.name_in(person.language),
                    "type": method.type,
                    "currencies": list(method.currencies),
                    "limit": method.limit,
                    "refunds": method.refunds,
                    "module": method.module,
                }
                for method in found
            ]
    if shape == "json":
        print_json({"customer_id": person.id, "country": person.country, "methods": rows})
        return
    table = data_table("key", "name", "type", "limit", "refunds",
                  title=f"payment methods for {person.id} ({person.country})")
    for row in rows:
        table.add_row(*(str(row[k] or "") for k in ("key", "name", "type", "limit", "refunds")))
    console.print(table)


@payments_app.command("list")
def payments_list(
    customer: Annotated[
        str | None,
        typer.Option(help="Only this customer's payments: an id, an e-mail or a phone number."),
    ] = None,
    status: Annotated[str | None, typer.Option(help="Only payments in this status.")] = None,
    method: Annotated[str | None, typer.Option(help="Only payments by this method.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    after: Annotated[str | None, typer.Option(help="The cursor of the previous page.")] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """List payments, newest first."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            page = crm.payments.list(
                customer=None if customer is None else customer_id(crm, customer),
                status=status, method=method, limit=limit, after=after,
            )
    if shape == "json":
        print_json({
            "payments": [_payment_json(p) for p in page.items], "next_cursor": page.next_cursor
        })
        return
    console.print(_payments_table(list(page.items)))
    if page.next_cursor:
        console.print(f"more: --after {page.next_cursor}", highlight=False)


@payments_app.command("show")
def payments_show(
    payment: Annotated[str, typer.Argument(help="Payment id.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Show a payment and every step of its history, with its time and source."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            found = crm.payments.get(payment)
            events = crm.payments.history(found)
    if shape == "json":
        print_json({**_payment_json(found, full=True), "events": [_event_json(e) for e in events]})
        return
    console.print(_payments_table([found]))
    table = data_table("seq", "step", "status", "amount", "occurred (UTC)", "source", "reason")
    for event in events:
        table.add_row(
            str(event.seq),
            event.kind,
            f"{event.from_status or ''} -> {event.to_status}",
            "" if event.amount is None else f"{event.amount.amount} {found.currency}",
            event.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
            event.source,
            event.reason or "",
        )
    console.print(table)


@payments_app.command("refund")
def payments_refund(
    payment: Annotated[str, typer.Argument(help="Payment id.")],
    amount: Annotated[str, typer.Argument(help="Amount to refund, in the payment's currency.")],
    reason: Annotated[
        str | None, typer.Option(help="A code: requested_by_customer, duplicate...")
    ] = None,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Run it again with the same key: refunded once.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Record a refund of AMOUNT; never more than is left to refund."""
    from globalcrm.money import money

    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            current = crm.payments.get(payment)
            done = crm.payments.refund(
                current, money(amount, current.currency), reason=reason,
                idempotency_key=idempotency_key,
            )
    if shape == "json":
        print_json(_payment_json(done))
        return
    console.print(
        f"refunded {amount} {done.currency}: {done.refunded} of {done.amount.amount} refunded, "
        f"status {done.status}",
        highlight=False,
    )


