"""The Azure OpenAI data plane of one account, mounted by the server at ``/dp/{account}``.

Both URL styles are served (``/openai/v1/...`` and ``/openai/...?api-version=...``, see
``http``): files and uploads, fine-tuning jobs (simulated over the emulator's clock, see
``training``), models, checkpoint copy, and chat completions on deployed models.

Documented emulator choices: training throughput ``training.THROUGHPUT_TOKENS_PER_SECOND``
(250 billed tokens per simulated second); content-screening trigger: marker tokens such as
``RECONCILER_HARMFUL_TEST_VIOLENCE`` in the training data (``screening``).
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from reconciler.emulator.dataplane import chat, checkpoint_copy, files, jobs, models, uploads
from reconciler.emulator.dataplane.http import fallbacks
from reconciler.emulator.state import EmulatorState


def dataplane_routes(state: EmulatorState) -> list[BaseRoute]:
    """Routes relative to the mount ``/dp/{account}``."""
    return [
        *files.routes(state),
        *uploads.routes(state),
        *jobs.routes(state),
        *checkpoint_copy.routes(state),
        *models.routes(state),
        *chat.routes(state),
        *fallbacks(state),
    ]


__all__ = ["dataplane_routes"]
