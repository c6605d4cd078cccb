"""kindline: elderly-first customer service and business support for operators."""

__version__ = "0.1.0"
