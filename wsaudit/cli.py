"""The ``wsaudit`` command line: a thin layer that turns exceptions into exit codes.

Exit codes: 0 success; 1 the check found what it gates on; 2 usage, configuration or input
error (one clear line per problem on standard error, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from wsaudit.exceptions import ConfigError, UsageError, WsauditError

EXIT_OK, EXIT_GATE, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit code 2
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _common(parser: argparse.ArgumentParser, formats: tuple[str, ...], default: str) -> None:
    parser.add_argument("path", nargs="?", default=".", metavar="PATH", help="root of the code to audit (default: .)")
    parser.add_argument("--config", metavar="FILE", help="TOML configuration (default: PATH/wsaudit.toml, "
                        "[tool.wsaudit] in PATH/pyproject.toml, else the netra-websocket profile)")
    parser.add_argument("--format", choices=formats, default=default, help=f"output format (default: {default})")
    parser.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")
    parser.add_argument("--no-cache", action="store_true", help="parse every file afresh; leave the cache alone")
    parser.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: PATH/.wsaudit/cache)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N", help="parser processes (default: all cores)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    from wsaudit.render import GRAPH_FORMATS, SCAN_FORMATS

    parser = _Parser(prog="wsaudit", description="Find, rank and migrate every use of a deprecated Python API.")
    parser.add_argument("--version", action="version", version=f"wsaudit {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    scan = sub.add_parser("scan", help="violations and diagnostics")
    _common(scan, SCAN_FORMATS, "table")
    graph = sub.add_parser("graph", help="the module import graph")
    _common(graph, GRAPH_FORMATS, "json")
    rank = sub.add_parser("rank", help="violations ranked and tiered by centrality to the Golden Path")
    _common(rank, SCAN_FORMATS, "table")
    rank.add_argument("--by", choices=("violation", "file"), default="violation", help="one row per violation "
                      "(default) or per file")
    # -- simulate (see cmd_simulate)
    # -- check (see cmd_check)
    # -- migrate / rollback (see cmd_migrate, cmd_rollback)
    return parser


def _version() -> str:
    from wsaudit import __version__

    return __version__


def write_output(text: str, output: str | None) -> None:
    """Standard output, or a file replaced atomically (a reader never sees half of it)."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(output)
    if target.exists() and not target.is_file():  # a device or a pipe: never replace it
        with open(target, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _audit(args: argparse.Namespace):
    from wsaudit.api import audit

    progress = not args.quiet and sys.stderr.isatty()
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    cache_dir = Path(args.cache_dir).resolve() if args.cache_dir else None  # relative to where it was typed
    return audit(args.path, args.config, cache=not args.no_cache, cache_dir=cache_dir, jobs=args.jobs,
                 progress=progress)


def cmd_scan(args: argparse.Namespace) -> int:
    from wsaudit import render

    result = _audit(args)
    if args.format == "table":
        text = render.scan_table(result.violation_records, result.diagnostic_records, result.files_scanned)
    elif args.format == "json":
        doc = render.scan_document(str(Path(args.path).resolve()), result.config, result.files_scanned,
                                   result.violation_records, result.diagnostic_records)
        text = render.dumps(doc)
    elif args.format == "csv":
        rows = [render.row_dict(v, render.VIOLATION_FIELDS) for v in result.violation_records]
        text = render.rows_csv(rows, render.VIOLATION_FIELDS)
    else:
        text = render.dumps(render.sarif(result.violation_records, result.config, _version()))
    write_output(text, args.output)
    return EXIT_OK


def cmd_graph(args: argparse.Namespace) -> int:
    from wsaudit import render

    result = _audit(args)
    write_output(render.graph_text(result.graph, result.import_records, args.format), args.output)
    return EXIT_OK


def cmd_rank(args: argparse.Namespace) -> int:
    from wsaudit import render
    from wsaudit.model import Violation
    from wsaudit.rank import FILE_FIELDS, RANK_FIELDS, rank_table

    result = _audit(args)
    rows = result.rank_rows(args.by)
    fields = FILE_FIELDS if args.by == "file" else RANK_FIELDS
    if args.format == "table":
        text = rank_table(rows, args.by)
    elif args.format == "json":
        doc = render.scan_document(str(Path(args.path).resolve()), result.config, result.files_scanned,
                                   [], result.diagnostic_records)
        doc.pop("violations")
        doc["golden_path"] = sorted(m.module for m in result.module_ranks.values() if m.golden_distance == 0)
        doc["files" if args.by == "file" else "violations"] = rows
        text = render.dumps(doc)
    elif args.format == "csv":
        flat = [{k: (" > ".join(v) if isinstance(v, list) else v) for k, v in r.items()} for r in rows]
        text = render.rows_csv(flat, fields)
    else:
        if args.by == "file":
            raise UsageError("--format sarif needs --by violation (SARIF results are locations)")
        records = [Violation(**{k: r[k] for k in render.VIOLATION_FIELDS}) for r in rows]
        extra = [{k: r[k] for k in ("tier", "score", "golden_distance", "reason")} for r in rows]
        text = render.dumps(render.sarif(records, result.config, _version(), extra))
    write_output(text, args.output)
    return EXIT_OK


COMMANDS = {"scan": cmd_scan, "graph": cmd_graph, "rank": cmd_rank}


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        for line in exc.lines():
            print(f"wsaudit: configuration error: {line}", file=sys.stderr)
        return EXIT_ERROR
    except WsauditError as exc:
        print(f"wsaudit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("wsaudit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
