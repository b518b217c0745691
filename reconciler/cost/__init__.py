"""Cost in the plan (SPEC.md §5.5): the price table (package data, `--prices FILE`), the
arithmetic over a plan's changes, and the lines the renderers show."""
