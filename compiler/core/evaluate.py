"""The one evaluator: a program's steps run in order over a domain of values.

A *domain* gives the meaning of each step class and each operation class in its own values —
exact decimals with explanation lines (the interpreter, :mod:`assessc.backends.interp`) or
intervals over every allowed set of facts (the static bounds, :mod:`assessc.graph.bounds`):

* ``steps``: step class → ``handler(step, state, bound)``, which records the step's value in
  ``state`` (the domain's own record of one run);
* ``operations``: operation class → ``handler(op, value, step, state)`` returning the new value,
  or :data:`STOP` when nothing after the operation applies (a ``zero if`` that holds);
* ``bodies``: term body class → ``amount(body, env)``.

:func:`plan` pairs every step with its handler and with what the handler needs besides the
step (a term's body function; an item's operations, each with its handler), once per program,
and :func:`run` runs a plan. An item's handler runs its operations in their order and ends the
item at the first that returns :data:`STOP`; the order is the program's, whatever the domain.
"""

from __future__ import annotations

from typing import Callable, Mapping

from assessc.core import ops

#: what an operation returns when no later operation of its item applies
STOP = None


class StepFailed(Exception):
    """A step raised one of the errors :func:`run` was told to name the step for."""

    def __init__(self, step: ops.Step, error: BaseException):
        super().__init__(str(error))
        self.step, self.error = step, error


def plan(program: ops.Program, steps: Mapping[type, Callable], operations: Mapping[type, Callable],
         bodies: Mapping[type, Callable]) -> tuple:
    """(handler, step, bound) for every step of ``program``, in order."""

    def bound(step):
        if isinstance(step, ops.TermStep):
            return bodies[step.body.__class__]
        if isinstance(step, (ops.ItemStep, ops.TotalStep)):
            return tuple((operations[op.__class__], op) for op in step.ops)
        return None

    return tuple((steps[step.__class__], step, bound(step)) for step in program.steps)


def run(planned: tuple, state, failures: tuple[type[BaseException], ...] = ()) -> None:
    """Every step of a plan, in order; an error of a type in ``failures`` becomes
    :class:`StepFailed`, naming the step."""
    step = None
    try:
        for handler, step, bound in planned:
            handler(step, state, bound)
    except failures as error:
        raise StepFailed(step, error) from None
