"""Where resources come from: stack exports and DIY backends (``stack_export``), cloud discovery (audit)."""
