"""Policy tests: example cases written beside a policy (``<policy>.cases.toml``).

:mod:`~assessc.testing.cases` loads and checks a case file,
:mod:`~assessc.testing.runner` scores its cases and compares every expected
value, :mod:`~assessc.testing.junit` writes the outcome as JUnit XML. The
command is ``assessc test``.
"""
