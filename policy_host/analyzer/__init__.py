"""The analyzer host: the gRPC servicer and the plugin-process lifecycle."""

from .host import AnalyzerServer, build_servicer, load_packs, serve_main
from .servicer import AnalyzerServicer

__all__ = ["AnalyzerServer", "AnalyzerServicer", "build_servicer", "load_packs", "serve_main"]
