"""A pack that fails while being imported."""

raise RuntimeError("this pack is broken on purpose")
