"""Load a policy file and everything it imports.

``import name.sub`` finds ``name/sub.assess`` in the standard library folder
(``stdlib/``, shipped with the package); ``import "./path.assess"`` is read
relative to the importing file. Modules are loaded depth first; a module met
again while it is still being loaded closes an import cycle, which is
reported with the whole chain. A module reached twice by different routes is
loaded once. All declarations of all loaded modules share one namespace;
:mod:`symbols` reports clashes.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import attrs

from assessc.diagnostics import DiagnosticBag, Note, codes
from assessc.dsl import ast
from assessc.dsl.parser import parse
from assessc.dsl.source import SourceFile


@attrs.frozen
class LoadedModule:
    key: str  # resolved path
    source: SourceFile
    tree: ast.Module


@attrs.frozen
class Program:
    root: LoadedModule
    modules: tuple[LoadedModule, ...]  # dependencies first, root last


def stdlib_dir() -> Path:
    return Path(str(resources.files("assessc.stdlib")))


def _stdlib_path(name: str) -> Path:
    return stdlib_dir().joinpath(*name.split(".")).with_suffix(".assess")


def _available_stdlib() -> list[str]:
    root = stdlib_dir()
    return sorted(
        ".".join(p.relative_to(root).with_suffix("").parts) for p in root.rglob("*.assess")
    )


def _resolve(decl: ast.ImportDecl, importer: SourceFile) -> Path:
    if decl.is_path:
        return (Path(importer.path).parent / decl.target).resolve()
    return _stdlib_path(decl.target).resolve()


def load_source(source: SourceFile, bag: DiagnosticBag) -> Program | None:
    """Parse ``source`` and load its imports; None if any module failed."""
    loaded: dict[str, LoadedModule] = {}
    order: list[LoadedModule] = []
    ok = True

    def visit(src: SourceFile, stack: list[tuple[str, ast.ImportDecl | None]]) -> LoadedModule | None:
        nonlocal ok
        tree = parse(src, bag)
        if tree is None:
            ok = False
            return None
        key = str(Path(src.path).resolve()) if Path(src.path).exists() else src.path
        module = LoadedModule(key, src, tree)
        loaded[key] = module
        in_progress = [k for k, _ in stack] + [key]
        for decl in tree.decls:
            if not isinstance(decl, ast.ImportDecl):
                continue
            path = _resolve(decl, src)
            target = str(path)
            if target in in_progress:
                chain = in_progress[in_progress.index(target):] + [target]
                bag.add(codes.IMPORT_CYCLE, decl.span, f"import cycle: {' -> '.join(_short(c) for c in chain)}",
                        "move the shared declarations into a module that both can import")
                ok = False
                continue
            if target in loaded:
                continue
            if not path.is_file():
                if decl.is_path:
                    message = f"module `{decl.target}` not found (looked for `{_display_path(path)}`)"
                    help = None
                else:
                    message = f"no module `{decl.target}` in the standard library"
                    names = _available_stdlib()
                    help = "the standard library has: " + (", ".join(names) if names else "no modules")
                bag.add(codes.MODULE_NOT_FOUND, decl.span, message, help)
                ok = False
                continue
            try:
                child = SourceFile.read(_display_path(path))
            except (OSError, UnicodeDecodeError) as error:
                bag.add(codes.MODULE_NOT_FOUND, decl.span, f"module `{decl.target}` cannot be read: {error}")
                ok = False
                continue
            visit(child, stack + [(key, decl)])
        order.append(module)
        return module

    root = visit(source, [])
    if root is None or not ok:
        return None
    return Program(root, tuple(order))


def _display_path(path: Path) -> Path:
    """The path relative to the working directory when it lies below it, so
    diagnostics print paths the way the user typed them."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _short(path: str) -> str:
    return Path(path).name


__all__ = ["LoadedModule", "Program", "load_source", "stdlib_dir", "Note"]
