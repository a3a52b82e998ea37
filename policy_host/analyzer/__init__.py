"""The analyzer host: the gRPC servicer and the plugin-process lifecycle."""

from .host import AnalyzerServer, build_servicer, serve_main
from .loading import load_packs
from .servicer import AnalyzerServicer

__all__ = ["AnalyzerServer", "AnalyzerServicer", "build_servicer", "load_packs", "serve_main"]
