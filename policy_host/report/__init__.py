"""Renderers of run results: the CLI ``Policies:`` block, JSON, SARIF and JUnit. No evaluation logic."""
