from assessc.diagnostics.codes import REGISTRY, Code, Severity
from assessc.diagnostics.diagnostic import Diagnostic, DiagnosticBag, Note

__all__ = ["REGISTRY", "Code", "Severity", "Diagnostic", "DiagnosticBag", "Note"]
