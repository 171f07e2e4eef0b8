"""Chat-style Q&A over your documents that answers only from them, with exact, verified citations."""
from .assistant import Assistant
from .settings import Settings
from .types import Answer, Citation, IndexReport, Passage, StreamEvent

__all__ = ["Assistant", "Answer", "Citation", "IndexReport", "Passage", "Settings", "StreamEvent"]
__version__ = "0.1.0"
