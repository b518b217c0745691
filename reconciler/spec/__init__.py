"""The spec language: YAML files of accounts, datasets, jobs and deployments (SPEC.md §1).

``load_spec(root)`` reads a spec directory into a ``Spec`` or raises ``SpecError`` carrying every
problem, each with its ``path:line:col``; ``read_spec`` returns what is valid plus the problems.
"""

from reconciler.spec.catalog_checks import check_regions
from reconciler.spec.load import Spec, load_spec, read_spec
from reconciler.spec.models import (
    Account,
    Dataset,
    Deployment,
    DeploymentModelRef,
    Hyperparameters,
    Job,
    JobModelRef,
    ModelRef,
    Sku,
    Split,
)
from reconciler.spec.references import METHOD_FORMATS, SPLIT_PARTS, parse_dataset_ref

__all__ = [
    "METHOD_FORMATS",
    "SPLIT_PARTS",
    "Account",
    "Dataset",
    "Deployment",
    "DeploymentModelRef",
    "Hyperparameters",
    "Job",
    "JobModelRef",
    "ModelRef",
    "Sku",
    "Spec",
    "Split",
    "check_regions",
    "load_spec",
    "parse_dataset_ref",
    "read_spec",
]
