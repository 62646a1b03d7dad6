"""The package's shape, enforced: floors in the order data flows, public names only across
folders, and no import cycles. Read from the source with `ast`, so nothing is imported."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"

# Bottom to top. A module may import its own folder and any floor below its own; two folders
# on one floor never import each other. The ground floor's four modules may use each other.
FLOORS: list[set[str]] = [
    {"records", "settings", "errors", "house"},
    {"text"},
    {"evidence"},
    {"ingest"},
    {"profile"},
    {"checks"},
    {"backends"},
    {"drafting"},
    {"store"},
    {"explain"},
    {"batch"},
    {"review", "evaluate"},
    {"watch"},
    {"site"},
    {"web"},
    {"cli"},
    {"__main__"},
]
FLOOR = {name: level for level, names in enumerate(FLOORS) for name in names}


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(module: str, root: Path = PACKAGE) -> bool:
    return (root.parent / Path(*module.split(".")) / "__init__.py").is_file()


def imports_of(path: Path, root: Path = PACKAGE) -> set[str]:
    """Every `pipeline` module this file imports, at any depth (inside functions and
    TYPE_CHECKING blocks too: a lazy import is still a dependency)."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == root.name}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != root.name:
                continue
            for alias in node.names:
                # `from pipeline.profile import cues` names a module; anything else a package's name
                sub = f"{target}.{alias.name}"
                found.add(
                    sub
                    if (root.parent / Path(*sub.split("."))).with_suffix(".py").is_file()
                    or is_package(sub, root)
                    else target
                )
    found.discard(module)
    return found


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    return {module_name(p, root): imports_of(p, root) for p in sorted(root.rglob("*.py"))}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def folder(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


GRAPH = import_graph()


def test_there_are_no_import_cycles() -> None:
    assert find_cycle(GRAPH) is None, " -> ".join(find_cycle(GRAPH) or [])


def test_the_cycle_finder_finds_a_cycle_added_by_hand(tmp_path: Path) -> None:
    """Proof the test above can fail: a copy of a tiny package with one cycle put in."""
    root = tmp_path / "pipeline"
    (root / "store").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "records.py").write_text("from pipeline.store.store import Store\n")
    (root / "store" / "__init__.py").write_text("from pipeline.store.store import Store\n")
    (root / "store" / "store.py").write_text(
        "def open():\n    from pipeline.records import Study  # lazy, but still a cycle\n"
    )
    graph = import_graph(root)
    assert find_cycle(graph) == ["pipeline.records", "pipeline.store.store", "pipeline.records"]
    (root / "store" / "store.py").write_text("Store = object\n")
    assert find_cycle(import_graph(root)) is None


def test_every_folder_has_a_floor() -> None:
    folders = {folder(m) for m in GRAPH if folder(m)}
    assert folders <= set(FLOOR), f"give these a floor in FLOORS: {folders - set(FLOOR)}"


def test_lower_floors_never_import_higher_ones() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if folder(module)
        for target in targets
        if folder(target)
        and folder(target) != folder(module)
        and FLOOR[folder(target)] >= FLOOR[folder(module)]
        and not {folder(module), folder(target)} <= FLOORS[0]
    ]
    assert not wrong, "\n".join(wrong)


def test_folders_are_used_through_their_public_names() -> None:
    """Across folders, import the folder (its `__init__` re-exports what others may use), never
    one of its modules; the ground floor's modules are themselves public."""
    ground = FLOORS[0]
    wrong = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if folder(target) not in ground
        and folder(target) != folder(module)
        and not is_package(target)
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: module_name(p))
def test_modules_stay_small_and_say_what_they_are_for(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 320, "split it: modules are 100-300 lines"
    if path.name != "__main__.py" and source.strip():
        assert ast.get_docstring(ast.parse(source)), "say in a docstring what this module is for"


def test_folders_hold_few_modules() -> None:
    for package in [PACKAGE, *(p.parent for p in PACKAGE.rglob("__init__.py"))]:
        modules = [p for p in package.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
        assert len(modules) <= 8, f"{package.name}/ holds {len(modules)} modules"


OLD_MODULES = (
    "abstract_text",
    "formats",
    "pubmed",
    "study_cues",
    "study_counts",
    "study_species",
    "readability",
    "numbers",
    "vocabulary",
    "prompting",
    "backend",
    "offline",
    "plain",
    "wording",
    "openai_backend",
    "openai_protocol",
    "ratelimit",
    "migrations",
    "review_records",
    "render",
    "queue",
    "runner",
    "batch_api",
    "run_report",
    "editing",
    "publish",
    "evaluation",
    "eval_report",
    "cli_common",
    "batch_cli",
    "review_cli",
    "serve_cli",
)


def _project_text_files() -> list[Path]:
    repo = PACKAGE.parent
    found = [
        p
        for glob in (
            "**/*.py",
            "**/*.md",
            "**/*.toml",
            "**/*.j2",
            "**/*.html",
            "scripts/*",
            ".ci/*",
        )
        for p in repo.glob(glob)
        if p.is_file()
        and not {".venv", ".venv-real", "outputs", ".git", "build"} & set(p.relative_to(repo).parts)
    ]
    return sorted(set(found))


def _lines_matching(pattern: re.Pattern[str]) -> list[tuple[Path, int, str, re.Match[str]]]:
    return [
        (path, number, line, match)
        for path in _project_text_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for match in pattern.finditer(line)
    ]


def test_no_code_or_doc_names_a_module_from_before_the_folders() -> None:
    pattern = re.compile(rf"\bpipeline\.({'|'.join(OLD_MODULES)})\b(?![./])")
    stale = [
        f"{p.relative_to(PACKAGE.parent)}:{n}: {line.strip()}"
        for p, n, line, _ in _lines_matching(pattern)
    ]
    assert not stale, "\n".join(stale)


def test_every_source_path_a_doc_or_comment_names_exists() -> None:
    pattern = re.compile(r"(?<![\w/.])((?:pipeline|tests|benchmarks|scripts)/[\w/]*\w\.py)\b")
    repo = PACKAGE.parent
    missing = [
        f"{p.relative_to(repo)}:{n}: {m.group(1)}"
        for p, n, _, m in _lines_matching(pattern)
        if not (repo / m.group(1)).exists()
    ]
    assert not missing, "\n".join(missing)
