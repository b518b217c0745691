"""What the CLI prints for a command's result, as text (and JSON for scripts).

Plans and drift are rendered by ``reconciler.plan.render_*``, the catalog listing by
``reconciler.catalog.listing``; these modules render the rest: ``validation`` (validate),
``show`` (show) and ``apply`` (what apply prints while it runs, and its summary).
"""
