"""The ``wsaudit`` command line's options: a parser per command, built by :func:`build_parser`.

Every command and option is part of the contract: ``docs/cli.md``; what each command does is
:mod:`wsaudit.cli`.
"""

from __future__ import annotations

import argparse

from wsaudit.errors import UsageError


class _Parser(argparse.ArgumentParser):
    """Every command's parser: an error is one line, and an option is its whole name (argparse
    would read ``--base main`` as ``--baseline main`` where ``--base`` is not known, or a typo
    as another option: in a CI gate, a different check that passes quietly)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # one line, exit code 2
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _common(parser: argparse.ArgumentParser, formats: tuple[str, ...], default: str, *, path: bool = True,
            output: str = "FILE") -> None:
    """The options every command takes (README, "Command line")."""
    if path:
        parser.add_argument("path", nargs="?", default=".", metavar="PATH",
                            help="root of the code to audit (default: .)")
    parser.add_argument("--config", metavar="FILE", help="TOML configuration (default: the nearest wsaudit.toml, "
                        "or [tool.wsaudit] in a pyproject.toml, in PATH or its parents: its folder is the tree's "
                        "root)")
    parser.add_argument("--profile", metavar="NAME", help="a built-in profile instead (netra-websocket: the "
                        "seed's example)")
    parser.add_argument("--format", choices=formats, default=default, help=f"output format (default: {default})")
    if output == "DIR":
        parser.add_argument("--output", "-o", metavar="DIR", default="reports", help="report folder (default: reports)")
    else:
        parser.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")
    parser.add_argument("--no-cache", action="store_true", help="parse every file afresh; leave the cache alone")
    parser.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: PATH/.wsaudit/cache)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N", help="parser processes (default: all cores)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no warnings on standard "
                        "error (the JSON outputs still hold the warnings)")
    parser.add_argument("--strict", action="store_true", help="a warning (a rule that matches nothing, a Golden "
                        "Path glob that matches no module, ...) is an error: exit 2 once the output is written")


def _scheduler(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scheduler", metavar="ADDRESS", help="parse as Dask tasks on this distributed scheduler "
                        "(tcp://host:8786), or 'local' for a LocalCluster (needs the scale extra)")


def build_parser() -> argparse.ArgumentParser:
    from wsaudit.render.formats import CHECK_FORMATS, GRAPH_FORMATS, HISTORY_FORMATS, SCAN_FORMATS

    parser = _Parser(prog="wsaudit", description="Find, rank and migrate every use of a deprecated Python API.")
    parser.add_argument("--version", action="version", version=f"wsaudit {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    # one function per command: --help lists the commands in the order they are added
    _add_init(sub)
    _add_scan(sub, SCAN_FORMATS)
    _add_graph(sub, GRAPH_FORMATS)
    _add_rank(sub, SCAN_FORMATS)
    _add_simulate(sub)
    _add_report(sub)
    _add_history(sub, HISTORY_FORMATS)
    _add_fleet(sub)
    _add_check(sub, CHECK_FORMATS)
    _add_migrate(sub)
    _add_rollback(sub)
    return parser


_Commands = argparse._SubParsersAction  # what add_subparsers returns


def _add_scan(sub: _Commands, formats: tuple[str, ...]) -> None:
    scan = sub.add_parser("scan", help="violations and diagnostics")
    _common(scan, formats, "table")
    _scheduler(scan)
    scan.add_argument("--explain", metavar="FILE", help="instead of scanning: say whether FILE is audited, "
                      "excluded and a test, and which pattern of which configuration key (file and key) decided")


def _add_graph(sub: _Commands, formats: tuple[str, ...]) -> None:
    graph = sub.add_parser("graph", help="the module import graph")
    _common(graph, formats, "json")
    graph.add_argument("--edge-labels", action="store_true", help="dot: label each edge with the line of its "
                       "first import (off: a large graph stays readable)")
    view = graph.add_argument_group("views (they combine: the filters keep the modules all of them keep, then "
                                    "--collapse groups what is left)")
    view.add_argument("--around", metavar="MODULE", help="only the modules within --depth imports of MODULE, "
                      "either way (what it imports, what imports it)")
    view.add_argument("--depth", type=int, metavar="N", help="with --around: how many imports away (default 1)")
    view.add_argument("--golden-path-hops", type=int, metavar="N", help="only the modules the Golden Path reaches "
                      "within N imports (0: the Golden Path itself)")
    view.add_argument("--only-violations", action="store_true", help="only the modules that hold a violation")
    view.add_argument("--collapse", type=int, metavar="DEPTH", help="one node per package of DEPTH dotted parts "
                      "(app.core for 2): violations summed, the worst tier, the highest score, the fewest hops; "
                      "an edge per importing pair of packages, with the number of imports")


def _add_rank(sub: _Commands, formats: tuple[str, ...]) -> None:
    rank = sub.add_parser("rank", help="violations ranked and tiered by centrality to the Golden Path")
    _common(rank, formats, "table")
    rank.add_argument("--by", choices=("violation", "file"), default="violation", help="one row per violation "
                      "(default) or per file")


def _add_simulate(sub: _Commands) -> None:
    simulate = sub.add_parser("simulate", help="migration orderings compared; --plan writes the wave plan")
    _common(simulate, ("table", "json", "csv"), "table")
    simulate.add_argument("--strategy", help="strategy of the wave plan (default: the one with the least "
                          "exposure-days among those that break no import)")
    simulate.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    simulate.add_argument("--runs", type=int, help="Monte Carlo runs (default: [simulate] runs, 200)")
    simulate.add_argument("--plan", metavar="FILE", help="write the wave plan here as CSV, with a Markdown twin")
    simulate.add_argument("--calibrate", action="store_true", help="fit the team's pace and a person's hours per "
                          "violation of each category on the git history (its commits that fixed violations), "
                          "with their uncertainty; without history, the defaults, labelled as such")
    simulate.add_argument("--backtest", metavar="REV", help="the plan as it would have been at REV (default and "
                          "calibrated on the history up to REV) against what happened after it: per tier, the "
                          "error in working days of the day it reached zero")
    simulate.add_argument("--figure", metavar="FILE.png", help="with --backtest: plot it here (PNG)")
    simulate.add_argument("--no-codemod", action="store_true", help="do not consult the codemod's plan (a dry run "
                          "of wsaudit migrate): cost every violation as a person's work")


def _add_report(sub: _Commands) -> None:
    report = sub.add_parser("report", help="run the notebooks with papermill into --output DIR (HTML, CSV/JSON)")
    _common(report, ("html",), "html", output="DIR")
    report.add_argument("--seed", type=int, default=0, help="random seed of the simulation (default 0)")
    report.add_argument("--runs", type=int, help="Monte Carlo runs (default: [simulate] runs)")
    report.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"),
                        help="extra notebook parameter (repeatable); VALUE is JSON when it parses")
    report.add_argument("--notebooks", metavar="DIR", help="folder of the notebooks (default: the repository's)")
    report.add_argument("--history", action="store_true", help="also the burndown across git history against the "
                        "plan (06_burndown; -p rev_range A..B, -p start COMMIT, -p plan_csv FILE)")
    report.add_argument("--no-codemod", action="store_true", help="do not consult the codemod's plan: cost every "
                        "violation as a person's work")
    report.add_argument("--calibrate", action="store_true", help="fit the effort model on the git history even "
                        "when the tree is a folder inside a repository (by default only at a repository's top)")
    report.add_argument("--no-calibrate", action="store_true", help="keep the configured effort model even when "
                        "the tree has git history to fit it on")
    report.add_argument("--archive", action="store_true", help="keep each run in DIR/runs/<date>-<commit>/, "
                        "DIR/index.html its landing page, with what changed since the previous kept run")
    report.add_argument("--keep", type=int, metavar="N", help="with --archive: keep the newest N runs")
    report.add_argument("--fail-on", choices=("new", "new-p0"), help="with --archive: exit 1, after writing "
                        "everything, when the run has new violations (new) or new P0s (new-p0)")


def _add_history(sub: _Commands, formats: tuple[str, ...]) -> None:
    """See :func:`wsaudit.cli.cmd_history`."""
    history = sub.add_parser("history", help="violation counts across git commits, each step explained (burndown)")
    _common(history, formats, "table")
    history.add_argument("--rev-range", metavar="A..B", help="commits to audit, as git rev-list takes them "
                         "(default: the first-parent history of HEAD)")
    history.add_argument("--first-parent", action="store_true", help="follow only the first parent of merges")
    history.add_argument("--every", type=int, default=1, metavar="N", help="audit every N-th commit, counted from "
                         "the newest (always kept)")
    history.add_argument("--since", metavar="DATE", help="only commits after DATE (git's --since)")
    history.add_argument("--until", metavar="DATE", help="only commits before DATE (git's --until)")
    history.add_argument("--max-commits", type=int, default=None, metavar="K", help="audit at most the newest K "
                         "commits (default 1000; a warning says when more were selected)")
    _scheduler(history)


def _add_fleet(sub: _Commands) -> None:
    """See :func:`wsaudit.cli.cmd_fleet`."""
    fleet = sub.add_parser("fleet", help="one deprecated API audited across the repositories of FLEET.toml")
    fleet.add_argument("fleet", metavar="FLEET.toml", help="the repositories (paths or git URLs, a revision, owner "
                       "and team each) and the shared configuration")
    fleet.add_argument("--format", choices=("table", "json", "csv"), default="table", help="what standard output "
                       "gets (default: table)")
    fleet.add_argument("--output", "-o", metavar="DIR", help="also write DIR/fleet.json, DIR/fleet.csv and the "
                       "report page DIR/index.html")
    fleet.add_argument("--archive", action="store_true", help="with --output: keep this run as DIR/runs/NNNN.json; "
                       "the page shows the trend over the kept runs")
    fleet.add_argument("--cache-dir", metavar="DIR", help="keep clones and parsed facts here between runs (default: "
                           "temporary clones, no cache; with --scheduler, a folder every worker can write)")
    fleet.add_argument("--jobs", "-j", type=int, metavar="N", help="parser processes per repository (default: all "
                       "cores); with --scheduler local, the worker processes")
    fleet.add_argument("--quiet", "-q", action="store_true", help="no progress on standard error")
    fleet.add_argument("--strict", action="store_true", help="exit 2, once everything is written, when a repository "
                       "could not be audited")
    _scheduler(fleet)


def _add_init(sub: _Commands) -> None:
    """See :func:`wsaudit.cli.cmd_init`."""
    init = sub.add_parser("init", help="write a configuration for your tree, and say what it matches")
    init.add_argument("path", nargs="?", default=".", metavar="PATH", help="the tree's root (default: .)")
    what = init.add_mutually_exclusive_group(required=True)
    what.add_argument("--symbol", metavar="DOTTED", help="the deprecated callable or class (e.g. pkg.mod.make_client, "
                      "or a pattern such as pkg.**.make_client)")
    what.add_argument("--module", metavar="DOTTED", help="the deprecated module")
    init.add_argument("--replacement", metavar="DOTTED", help="what replaces it")
    init.add_argument("--pyproject", action="store_true", help="add [tool.wsaudit] to pyproject.toml instead of "
                      "writing wsaudit.toml")
    init.add_argument("--golden-path", nargs="+", metavar="GLOB", default=(), help="the Golden Path's modules "
                      "(default: proposed from the import graph, with the reason for each)")
    init.add_argument("--baseline", metavar="FILE", help="also write the gate's first baseline (every current use "
                      "accepted)")
    init.add_argument("--force", action="store_true", help="replace an existing wsaudit.toml")
    init.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    init.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")
    init.add_argument("--no-cache", action="store_true", help="parse every file afresh; leave the cache alone")
    init.add_argument("--quiet", "-q", action="store_true", help="no warnings on standard error")
    init.add_argument("--strict", action="store_true", help="a warning (the rule matches nothing) is an error: "
                      "exit 2 once the configuration is written")


def _add_check(sub: _Commands, formats: tuple[str, ...]) -> None:
    """See :func:`wsaudit.cli.cmd_check`."""
    check = sub.add_parser("check", help="CI gate: exit 1 on violations not in the baseline")
    _common(check, formats, "text")
    check.add_argument("--baseline", metavar="FILE", help="accepted violations (JSON written by "
                       "--update-baseline); without it every violation is new")
    check.add_argument("--update-baseline", action="store_true", help="rewrite FILE: drop fixed (stale) "
                       "entries; create FILE when missing")
    check.add_argument("--allow-new", action="store_true", help="with --update-baseline: also accept the new "
                       "violations (the baseline only grows with this)")
    check.add_argument("--fail-on", metavar="TIERS", help="also fail on violations in these tiers, baselined or "
                       "not (e.g. P0 or P0,P1); without --baseline, only on these")
    check.add_argument("--base", metavar="REV", help="read the configuration, and the baseline when FILE is in the "
                       "repository, from this commit, branch or tag (e.g. origin/main), not from the tree: a pull "
                       "request cannot change what its gate checks; says what the tree's own would hide")


def _add_migrate(sub: _Commands) -> None:
    """See :func:`wsaudit.cli.cmd_migrate`."""
    migrate = sub.add_parser("migrate", help="codemod: a diff by default, --apply to write (with a rollback point)")
    _common(migrate, ("diff", "json"), "diff")
    migrate.add_argument("--files", nargs="+", metavar="FILE", help="only these files (root-relative paths)")
    migrate.add_argument("--tier", metavar="TIERS", help="only files with violations in these tiers (P0 or P0,P1)")
    migrate.add_argument("--plan", metavar="FILE", help="a wave plan CSV (wsaudit simulate --plan) for --wave "
                         "(default: the plan simulate recommends, computed here)")
    migrate.add_argument("--wave", type=int, metavar="N", help="only the files of wave N of the plan")
    migrate.add_argument("--tests-first", action="store_true", help="migrate the selection's tests (and the "
                         "tests the plan names for the wave) first, then its code: two applies, two rollback points")
    migrate.add_argument("--apply", action="store_true", help="write the files that passed every check")
    migrate.add_argument("--force", action="store_true", help="with --apply: also files with uncommitted changes")
    migrate.add_argument("--verify", metavar="COMMAND", help="with --apply: run COMMAND in PATH afterwards; "
                         "roll back and exit 1 when it fails")
    migrate.add_argument("--commit", nargs="?", const="wave", choices=("file", "wave"), metavar="file|wave",
                         help="with --apply: commit in git, one commit per file or one per wave (default); the "
                         "checkout must be clean; 'wsaudit rollback' then makes a revert commit")
    migrate.add_argument("--emit-shim", action="store_true", help="print the deprecated function as a "
                         "wrapper around the replacement, marked @deprecated (PEP 702: it warns, type checkers strike "
                         "it through), the seed's compatibility bridge; only for a symbol defined in the tree")
    migrate.add_argument("--rule", metavar="ID", help="with --emit-shim: the symbol rule (default: the first one "
                         "with call templates)")


def _add_rollback(sub: _Commands) -> None:
    """See :func:`wsaudit.cli.cmd_rollback`."""
    back = sub.add_parser("rollback", help="restore the files of a rollback point (default: the latest applied)")
    back.add_argument("target", nargs="*", metavar="ID|PATH", help="a rollback point ID (or its number) and/or "
                      "the audited root (default: .)")
    back.add_argument("--list", action="store_true", help="list the rollback points")
    back.add_argument("--force", action="store_true", help="also overwrite files changed since the apply")
    _common(back, ("text", "json"), "text", path=False)


def _version() -> str:
    from wsaudit import __version__

    return __version__
