"""``globalcrm loyalty ...``: balances, statements, expiry and tier reviews (issue 17)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

import globalcrm as gc
from globalcrm.cli.base import (
    DEFAULT_URL,
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

# --------------------------------------------------------------------------- loyalty (issue 17)

loyalty_app = typer.Typer(
    help="Loyalty points: balances, statements, expiry and tier reviews.", no_args_is_help=True
)
app.add_typer(loyalty_app, name="loyalty")
ProgramOption = Annotated[
    str | None, typer.Option("--program", help="Program code (default: the default program).")
]
MemberArgument = Annotated[
    str,
    typer.Argument(
        metavar="CUSTOMER",
        help="An account id, or the customer: an id, an e-mail or a phone number.",
    ),
]


def _member_account(crm: gc.CRM, text: str, program: str | None) -> Any:
    """The account ``text`` names: an account or customer id, else the customer it identifies."""
    try:
        return crm.loyalty.account(text, program=program)
    except gc.NotFound as missing:
        try:
            owner = customer_id(crm, text)
        except gc.NotFound:
            raise missing from None  # no such account, nor a customer by that e-mail or phone
    return crm.loyalty.account(owner, program=program)


@loyalty_app.command("balance")
def loyalty_balance(
    customer: MemberArgument,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    program: ProgramOption = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Show a member's points, their tier (named in their language) and what expires first."""
    with reported():
        output_format(format)
        with opened(url, tenant) as crm:
            account = _member_account(crm, customer, program)
            points = crm.loyalty.balance(account)
            status = crm.loyalty.tier(account)
            language = crm.customers.get(account.customer_id).language
            lots = crm.loyalty.lots(account)[:5]
    following = status.next_tier
    data = {
        "account": account.id,
        "customer": account.customer_id,
        "program": account.program,
        "balance": points,
        "tier": None if status.tier is None else status.tier.code,
        "tier_name": status.name(language),
        "tier_since": None if status.since is None else status.since.isoformat(),
        "qualifying": str(status.qualifying),
        "basis": status.basis,
        "next_tier": None if following is None else following.code,
        "needed": str(status.needed),
        "perks": list(status.perks),
        "expiring_first": [
            {"points": lot.remaining,
             "expires_at": None if lot.expires_at is None else lot.expires_at.isoformat()}
            for lot in lots
        ],
    }
    if format == "json":
        print_json(data)
        return
    console.print(f"{points:,} points", highlight=False)
    if status.tier is not None:
        console.print(f"tier: {status.name(language)} ({status.tier.code}) since "
                      f"{data['tier_since']}", highlight=False)
    if following is not None:
        console.print(f"next tier: {following.name(language)}, {status.needed} more "
                      f"({status.basis})", highlight=False)
    for lot in lots:
        when = "never" if lot.expires_at is None else lot.expires_at.strftime("%Y-%m-%d %H:%M")
        console.print(f"  {lot.remaining:,} points expire {when} (UTC)", highlight=False)


@loyalty_app.command("statement")
def loyalty_statement(
    customer: MemberArgument,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    program: ProgramOption = None,
    limit: Annotated[int, typer.Option(help="Entries per page.")] = 50,
    after: Annotated[
        str | None, typer.Option(help="The cursor printed after the previous page.")
    ] = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """A member's ledger entries, newest first, a page at a time."""
    with reported():
        output_format(format)
        with opened(url, tenant) as crm:
            account = _member_account(crm, customer, program)
            page = crm.loyalty.statement(account, limit=limit, after=after)
    if format == "json":
        print_json({
            "account": account.id,
            "entries": [
                {
                    "id": e.id,
                    "kind": e.kind,
                    "points": e.points,
                    "occurred_at": e.occurred_at.isoformat(),
                    "recorded_at": e.recorded_at.isoformat(),
                    "expires_at": None if e.expires_at is None else e.expires_at.isoformat(),
                    "channel": e.channel,
                    "amount": None if e.amount is None else str(e.amount.amount),
                    "currency": None if e.amount is None else e.amount.currency.code,
                    "reference": e.reference,
                    "reverses": e.reverses,
                    "shortfall": e.shortfall,
                    "detail": dict(e.detail),
                }
                for e in page
            ],
            "next_cursor": page.next_cursor,
        })
        return
    table = data_table("when (UTC)", "kind", "points", "amount", "channel", "expires (UTC)")
    for e in page:
        table.add_row(
            e.occurred_at.strftime("%Y-%m-%d %H:%M"),
            e.kind,
            f"{e.points:+,}",
            "" if e.amount is None else f"{e.amount.amount} {e.amount.currency.code}",
            e.channel or "",
            "" if e.expires_at is None else e.expires_at.strftime("%Y-%m-%d"),
        )
    console.print(table)
    if page.next_cursor is not None:
        console.print(f"more: --after {page.next_cursor}", highlight=False)


@loyalty_app.command("expire")
def loyalty_expire(
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Expire every lot of the tenant past its expiry date (run it daily)."""
    with reported():
        output_format(format)
        with opened(url, tenant) as crm:
            report = crm.loyalty.expire()
    if format == "json":
        print_json({"accounts": report.accounts, "entries": report.entries,
                     "points": report.points})
        return
    console.print(f"{report.points:,} points expired from {report.accounts:,} accounts "
                  f"({report.entries:,} entries)", highlight=False)


@loyalty_app.command("review-tiers")
def loyalty_review_tiers(
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Move down the members whose tier period (and grace) ended without requalifying."""
    with reported():
        output_format(format)
        with opened(url, tenant) as crm:
            changes = crm.loyalty.review_tiers()
    rows = [{"account": c.account_id, "from": c.from_tier, "to": c.to_tier,
             "effective_at": c.effective_at.isoformat()} for c in changes]
    if format == "json":
        print_json({"changes": rows})
        return
    console.print(f"{len(rows)} members moved down a tier", highlight=False)


