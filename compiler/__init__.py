"""assessc: the compiler and runtime of the assess policy language."""

__version__ = "0.1.0"
