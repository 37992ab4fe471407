"""``globalcrm recommend CUSTOMER``: products bought together with theirs, within their needs."""

from __future__ import annotations

from typing import Annotated

import typer

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
    parse_moment,
    print_json,
    reported,
)

# --------------------------------------------------------------------------- recommendations
# Added with recommendations (issue 20).


@app.command()
def recommend(
    customer: CustomerArgument,
    limit: Annotated[int, typer.Option("--limit", help="How many products at most.")] = 10,
    include_undeclared: Annotated[
        bool,
        typer.Option(
            "--include-undeclared",
            help="Also suggest products that declare no attributes to a customer with needs.",
        ),
    ] = False,
    now: Annotated[
        str | None, typer.Option("--now", help="Read purchases made by this ISO 8601 time.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Products to suggest to CUSTOMER: bought together with theirs, within their needs."""
    with reported():
        shape = output_format(format)
        moment = parse_moment(now, "now")
        with opened(url, tenant) as crm:
            made = crm.recommendations.for_customer(
                customer_id(crm, customer), limit=limit, now=moment,
                unknown="include" if include_undeclared else "exclude",
            )
    if shape == "json":
        print_json([item.to_json() for item in made])
        return
    table = data_table("product", "score", "why", "attributes")
    for item in made:
        table.add_row(
            item.product, f"{item.score:.3f}", item.reason,
            "(none declared)" if item.attributes is None else ", ".join(item.attributes),
        )
    console.print(table)
