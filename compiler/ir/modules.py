"""Load a policy file and everything it imports.

``import name.sub`` finds ``name/sub.assess`` in the standard library folder
(``stdlib/``, shipped with the package); ``import "./path.assess"`` is read
relative to the importing file. Modules are loaded depth first (with a stack
of our own, so a long chain of imports needs no deep recursion); a module
met again while it is still being loaded closes an import cycle, which is
reported with the whole chain. A module reached twice by different routes is
loaded once. All declarations of all loaded modules share one namespace;
:mod:`symbols` reports clashes.

Imports stay inside the policy's folder tree and the standard library, so a
policy cannot read any other file of the machine that checks it (it would
quote that file in its diagnostics). Other folders are allowed by naming
them in ``ASSESSC_IMPORT_PATH`` (:class:`ImportPath`). Paths are compared
after resolving symbolic links. A module read from such another folder is
still not quoted: its syntax errors are reported by place and code only.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path
from typing import Iterator

import attrs

from assessc.diagnostics import Diagnostic, DiagnosticBag, Note, codes
from assessc.dsl import ast
from assessc.dsl.parser import parse
from assessc.dsl.reading import SourceProblem, describe_os_error, read_source, shorten
from assessc.dsl.source import SourceFile, Span

#: the environment variable naming more folders that imports may read
IMPORT_PATH_VARIABLE = "ASSESSC_IMPORT_PATH"


@attrs.frozen
class LoadedModule:
    key: str  # resolved path
    source: SourceFile
    tree: ast.Module


@attrs.frozen
class Program:
    root: LoadedModule
    modules: tuple[LoadedModule, ...]  # dependencies first, root last


@attrs.frozen
class ImportPath:
    """The folders whose files (their subfolders' too) imports may read:
    the policy's folder and the standard library's, which are not quoted
    from, and ``others``."""

    home: Path
    others: tuple[Path, ...] = ()

    @classmethod
    def for_policy(cls, policy_path: str | Path, others: str | None = None) -> "ImportPath":
        """For the policy at ``policy_path``; ``others`` is an ``os.pathsep``-separated
        list of folders, ``$ASSESSC_IMPORT_PATH`` when not given."""
        if others is None:
            others = os.environ.get(IMPORT_PATH_VARIABLE, "")
        return cls(_real(Path(policy_path).parent), tuple(_real(Path(p)) for p in others.split(os.pathsep) if p))

    def inside_home(self, path: Path) -> bool:
        return _within(path, self.home) or _within(path, _real_stdlib())

    def allows(self, path: Path) -> bool:
        return self.inside_home(path) or any(_within(path, folder) for folder in self.others)


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return path.absolute()


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@functools.lru_cache(maxsize=1)
def _real_stdlib() -> Path:
    return _real(stdlib_dir())


def stdlib_dir() -> Path:
    return Path(str(resources.files("assessc.stdlib")))


def _stdlib_path(name: str) -> Path:
    return stdlib_dir().joinpath(*name.split(".")).with_suffix(".assess")


def _available_stdlib() -> list[str]:
    root = stdlib_dir()
    return sorted(
        ".".join(p.relative_to(root).with_suffix("").parts) for p in root.rglob("*.assess")
    )


class _Refused(Exception):
    """An import that is not read: the diagnostic to report instead."""

    def __init__(self, code, message: str, help: str | None = None):
        super().__init__(message)
        self.code, self.message, self.help = code, message, help


def _resolve(decl: ast.ImportDecl, importer: SourceFile) -> Path:
    """The file ``decl`` names, symbolic links resolved; :class:`_Refused`
    for a path no file can have."""
    if "\0" in decl.target:
        raise _Refused(codes.BAD_IMPORT_PATH, "an import path cannot hold a NUL character")
    path = Path(importer.path).parent / decl.target if decl.is_path else _stdlib_path(decl.target)
    try:
        return path.resolve()
    except RuntimeError:  # Python before 3.13 on a loop of symbolic links
        raise _Refused(codes.BAD_IMPORT_PATH, f"`{shorten(decl.target)}` cannot be read: its symbolic links form "
                       "a loop") from None
    except OSError as error:
        raise _Refused(codes.BAD_IMPORT_PATH, f"`{shorten(decl.target)}` cannot be read: "
                       f"{describe_os_error(error)}") from None


def load_source(source: SourceFile, bag: DiagnosticBag, import_path: ImportPath | None = None) -> Program | None:
    """Parse ``source`` and load its imports; None if any module failed.
    ``import_path`` says which folders imports may read (by default the
    policy's, the standard library's and ``$ASSESSC_IMPORT_PATH``'s)."""
    allowed = import_path if import_path is not None else ImportPath.for_policy(source.path)
    loaded: dict[str, LoadedModule | None] = {}  # None: read, but did not parse
    order: list[LoadedModule] = []
    # the modules being loaded, outermost first, each with the imports it has left to load,
    # and where each is on it
    stack: list[tuple[LoadedModule, Iterator[ast.ImportDecl]]] = []
    on_stack: dict[str, int] = {}
    ok = True

    def enter(src: SourceFile, key: str, own_bag: DiagnosticBag) -> None:
        nonlocal ok
        tree = parse(src, own_bag)
        if own_bag is not bag:
            bag.extend(_unquoted(own_bag))
        if tree is None:
            ok = False
            loaded[key] = None
            return
        module = LoadedModule(key, src, tree)
        loaded[key] = module
        on_stack[key] = len(stack)
        stack.append((module, (d for d in tree.decls if isinstance(d, ast.ImportDecl))))

    enter(source, _key(source), bag)
    while stack:
        module, imports = stack[-1]
        decl = next(imports, None)
        if decl is None:
            stack.pop()
            del on_stack[module.key]
            order.append(module)
            continue
        try:
            path = _resolve(decl, module.source)
            target = str(path)
            if not allowed.allows(path):
                raise _Refused(codes.IMPORT_OUTSIDE,
                               f"`{shorten(decl.target)}` is outside the policy's folder and the standard library",
                               f"imports read the policy's folder (`{shorten(str(_display_path(allowed.home)))}`) "
                               f"and its subfolders; to allow another folder, name it in {IMPORT_PATH_VARIABLE}")
        except _Refused as refused:
            bag.add(refused.code, decl.span, refused.message, refused.help)
            ok = False
            continue
        if target in on_stack:
            chain = [m.key for m, _ in stack[on_stack[target]:]] + [target]
            bag.add(codes.IMPORT_CYCLE, decl.span, f"import cycle: {' -> '.join(_short(c) for c in chain)}",
                    "move the shared declarations into a module that both can import")
            ok = False
            continue
        if target in loaded:
            continue
        try:
            exists = path.exists()
        except OSError as error:
            bag.add(codes.BAD_IMPORT_PATH, decl.span,
                    f"`{shorten(decl.target)}` cannot be read: {describe_os_error(error)}")
            ok = False
            continue
        if not exists:
            bag.add(codes.MODULE_NOT_FOUND, decl.span, *_not_found(decl, path))
            ok = False
            continue
        home = allowed.inside_home(path)
        try:
            child = read_source(_display_path(path), quote=home)
        except SourceProblem as problem:
            ok = False
            if problem.line is None:
                bag.add(problem.code, decl.span, problem.message, problem.help)
                continue
            where = Span(SourceFile(str(_display_path(path)), "", quote=False),
                         problem.line, problem.column, problem.line, problem.column + 1)
            bag.add(problem.code, where, problem.message, problem.help, [Note(decl.span, "imported here")])
            continue
        enter(child, target, bag if home else DiagnosticBag())
    if not ok or loaded[_key(source)] is None:
        return None
    return Program(loaded[_key(source)], tuple(order))


def _key(source: SourceFile) -> str:
    path = Path(source.path)
    try:
        return str(path.resolve()) if path.exists() else source.path
    except (OSError, RuntimeError, ValueError):
        return source.path


def _not_found(decl: ast.ImportDecl, path: Path) -> tuple[str, str | None]:
    if decl.is_path:
        return f"module `{shorten(decl.target)}` not found (looked for `{shorten(str(_display_path(path)))}`)", None
    names = _available_stdlib()
    return (f"no module `{decl.target}` in the standard library",
            "the standard library has: " + (", ".join(names) if names else "no modules"))


def _unquoted(bag: DiagnosticBag) -> list[Diagnostic]:
    """The syntax errors of a module from outside the policy's folder, by
    place and code only: its text is not shown (it may not be a policy)."""
    return [Diagnostic(d.code, d.span, f"{d.code.summary} (the text of a module from outside the policy's "
                       "folder is not shown)") for d in bag]


def _display_path(path: Path) -> Path:
    """The path relative to the working directory when it lies below it, so
    diagnostics print paths the way the user typed them."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _short(path: str) -> str:
    return Path(path).name


__all__ = ["ImportPath", "LoadedModule", "Program", "load_source", "stdlib_dir", "Note", "IMPORT_PATH_VARIABLE"]
