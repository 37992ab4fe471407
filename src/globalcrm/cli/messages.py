"""``globalcrm messages ...``: the shipped templates, rendered for a customer (issue 20)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.text import Text

import globalcrm as gc
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
    reported,
)

# --- messages (issue 20) -----------------------------------------------------------------------
messages_app = typer.Typer(
    help="Messages in each customer's language and manners.", no_args_is_help=True
)
app.add_typer(messages_app, name="messages")
@messages_app.command("templates")
def messages_templates(format: OutputFormat = "text") -> None:  # noqa: A002
    """List the shipped message templates and the languages each one is written in."""
    from globalcrm.messages import SHIPPED_TEMPLATES, shipped_template

    with reported():
        chosen = output_format(format)
        shipped = {name: shipped_template(name) for name in SHIPPED_TEMPLATES}
    if chosen == "json":
        data = [{"name": n, "locales": list(t.locales), "default": t.default}
                for n, t in shipped.items()]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    table = data_table("template", "languages", "default")
    for name, template in shipped.items():
        table.add_row(name, " ".join(template.locales), template.default)
    console.print(table)


@messages_app.command("render")
def messages_render(
    template: Annotated[str, typer.Argument(help="A shipped template (see `messages templates`).")],
    customer: CustomerArgument,
    channel: Annotated[str, typer.Option(help="email, sms, whatsapp, letter...")] = "email",
    value: Annotated[
        list[str] | None,
        typer.Option("--value", help="NAME=TEXT for the template (repeat); ISO dates work."),
    ] = None,
    values_json: Annotated[
        str | None,
        typer.Option("--values-json", help="A JSON object of values (numbers, lists)."),
    ] = None,
    formality: Annotated[str | None, typer.Option(help="formal or informal.")] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Write TEMPLATE for CUSTOMER in their language, register and time zone."""
    from globalcrm.messages import RESERVED_VALUES

    with reported():
        chosen = output_format(format)
        values: dict[str, Any] = {}
        if values_json is not None:
            try:
                loaded = json.loads(values_json)
            except ValueError:
                raise gc.InvalidInput("not a JSON object", field="values_json") from None
            if not isinstance(loaded, dict):
                raise gc.InvalidInput("not a JSON object", field="values_json")
            values.update(loaded)
        for index, item in enumerate(value or []):
            name, sep, text = item.partition("=")
            if not sep:
                raise gc.InvalidInput("expected NAME=TEXT", field=f"value[{index}]")
            values[name.strip()] = text
        taken = RESERVED_VALUES | {"template", "customer", "relationship", "adapter", "purpose"}
        for index, name in enumerate(values):
            if name in taken:
                raise gc.InvalidInput(
                    "the library sets this value itself", field=f"values[{index}]"
                )
        with opened(url, tenant) as crm:
            message = crm.messages.render(
                template, customer_id(crm, customer), channel=channel, formality=formality,
                **values,
            )
    if chosen == "json":
        data = {
            "template": message.template,
            "customer_id": message.customer_id,
            "channel": message.channel,
            "locale": message.locale,
            "variant": message.variant,
            "fallback": message.fallback,
            "formality": message.formality.value,
            "direction": message.direction,
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    if message.subject:
        console.print(Text(message.subject, style="bold"), highlight=False)
    console.print(message.text, highlight=False, markup=False)
# --- end messages


