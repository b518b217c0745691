"""`--log-http FILE` (or RECONCILER_LOG_HTTP) on every command that talks to Azure."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from reconciler.cli import cli


@pytest.mark.parametrize("command", ["plan", "apply", "drift", "show", "import"])
def test_every_azure_command_takes_log_http(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "--log-http FILE" in result.output
    assert "RECONCILER_LOG_HTTP" in result.output


@pytest.mark.parametrize("command", ["validate", "schema"])
def test_offline_commands_do_not(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert "--log-http" not in result.output
