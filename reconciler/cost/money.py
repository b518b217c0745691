"""Amounts as people read them, and where a change keeps its part of the cost (a leaf module:
the renderers import it while the plan package loads)."""

from __future__ import annotations

#: the key of a change's ``details`` that holds its part of the cost
DETAILS_KEY = "cost"


def money(amount: float) -> str:
    """$1,241.00; amounts under a cent keep their first significant digits."""
    if amount != 0 and abs(amount) < 0.01:
        return f"${amount:.2g}" if abs(amount) >= 1e-4 else "< $0.0001"
    return f"${amount:,.2f}"


def signed(amount: float) -> str:
    return ("-" if amount < 0 else "+") + money(abs(amount))
