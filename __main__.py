"""Entry point when the Pulumi engine loads this repository as a policy pack (language-host mode)."""

from pathlib import Path

from policy_host.analyzer.entry import serve_configured

serve_configured(Path(__file__).parent)
