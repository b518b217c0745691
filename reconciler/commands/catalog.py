"""`reconciler catalog`: list the models, methods, training types, regions and skus the tool
knows, from the catalog in use (the packaged one, or $RECONCILER_CATALOG)."""

from __future__ import annotations

import click


@click.command("catalog")
@click.option("--region", default=None, metavar="REGION", help="Only what is offered there.")
@click.option("--model", default=None, metavar="MODEL", help="Only this base model id.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def catalog(region: str | None, model: str | None, fmt: str) -> None:
    """List base models with their fine-tuning methods, training types and regions, and the
    deployment skus (with allowed capacities) per region: the values a spec may use.

    Offline: read from the bundled model catalog (RECONCILER_CATALOG=FILE overrides it), the
    same one `validate` and `plan` check specs against.
    """
    # Imported here: every CLI start loads this module, and the listing pulls in the spec models.
    from reconciler.catalog.listing import render_json, render_text, select
    from reconciler.catalog.load import load_catalog

    data = select(load_catalog(), region, model)
    click.echo(render_json(data) if fmt == "json" else render_text(data), nl=False)
