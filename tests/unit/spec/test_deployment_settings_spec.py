"""SPEC §5.3 in the spec: rai_policy, version_upgrade and spillover_to are read into the
desired deployment with where each was written; a value Azure cannot take is an error there."""

from __future__ import annotations

import textwrap

from reconciler.plan.from_spec import desired_from_spec

from .conftest import Reader
from .support import HEAD, MINI, messages, place

SPEC = HEAD + textwrap.dedent(
    f"""\
    deployments:
      ptu:
        account: swc
        model: {MINI.id}
        sku: {{name: GlobalStandard, capacity: 1}}
        rai_policy: strict-filter
        version_upgrade: NoAutoUpgrade
        spillover_to: std
      std: {{account: swc, model: {MINI.id}, sku: {{name: GlobalStandard, capacity: 1}}}}
    """
)


def test_the_fields_reach_the_desired_deployment_with_their_places(read: Reader) -> None:
    spec, diagnostics = read({"a.yaml": SPEC})
    assert messages(diagnostics) == []
    assert spec is not None
    desired = desired_from_spec(spec, {}).deployments
    ptu = desired["ptu"]
    assert (ptu.rai_policy, ptu.version_upgrade, ptu.spillover_to) == (
        "strict-filter",
        "NoAutoUpgrade",
        "std",
    )
    assert str(ptu.where("rai_policy")).endswith(place(SPEC, "strict-filter").split(":", 1)[1])
    assert str(ptu.where("spillover_to")).endswith(place(SPEC, "std\n").split(":", 1)[1])
    std = desired["std"]
    assert (std.rai_policy, std.version_upgrade, std.spillover_to) == (None, None, None)


def test_an_upgrade_option_azure_does_not_know_is_an_error_at_its_line(read: Reader) -> None:
    text = SPEC.replace("NoAutoUpgrade", "Never")
    _, diagnostics = read({"a.yaml": text})
    found = messages(diagnostics)
    assert len(found) == 1
    assert found[0].startswith(f"{place(text, 'Never')}: error: deployments.ptu.version_upgrade")
    assert "NoAutoUpgrade" in found[0]


def test_spillover_to_must_be_a_deployment_name(read: Reader) -> None:
    text = SPEC.replace("spillover_to: std", "spillover_to: 'not a name!'")
    _, diagnostics = read({"a.yaml": text})
    found = messages(diagnostics)
    assert len(found) == 1 and "deployments.ptu.spillover_to" in found[0]
