"""A local Azure: Azure Resource Manager (Microsoft.CognitiveServices) and the Azure OpenAI data
plane, served over HTTPS so the real SDKs talk to it unchanged.

Modules: ``store`` (SQLite documents), ``clock`` (simulated time), ``state`` (what every route
shares), ``connection`` (how clients find it), ``server`` (``serve``), ``app`` (the ASGI app),
``arm*`` (management plane), ``dataplane/`` (data plane), ``admin``/``faults`` (test controls),
``process`` (start one in a subprocess, for tests and demos).
"""

from reconciler.emulator_connection import EmulatorConnection, load_connection

__all__ = ["EmulatorConnection", "load_connection"]
