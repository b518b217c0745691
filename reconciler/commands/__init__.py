"""One module per command: what the command does, with typed arguments and a typed result.

No module here parses arguments or prints: ``reconciler.cli`` parses, calls these, renders the
result (``reconciler.render``, ``reconciler.plan.render_*``) and chooses the exit code.
``pipeline`` holds the steps every Azure-facing command shares (prepare, Session, observe, plan).
"""
