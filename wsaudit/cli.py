"""The ``wsaudit`` command line: a thin layer that turns exceptions into exit codes.

Exit codes: 0 success; 1 the check found what it gates on; 2 usage, configuration or input
error (one clear line per problem on standard error, no traceback). Every command and option is
part of the contract: ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from wsaudit.cli_parser import _version, build_parser  # build_parser stays importable from here
from wsaudit.errors import ConfigError, OutputError, UsageError, WsauditError

EXIT_OK, EXIT_GATE, EXIT_ERROR = 0, 1, 2
# the extra that brings each module a command may need beyond the core install (pyproject.toml)
EXTRA_OF = {"numpy": "analysis", "scipy": "analysis", **dict.fromkeys((
    "pandas", "matplotlib", "papermill", "nbconvert", "nbformat", "nbclient", "jupyter_client", "ipykernel",
    "IPython"), "notebooks"), "dask": "scale", "distributed": "scale"}


def _store_options(args: argparse.Namespace) -> dict:
    """``cache``, ``cache_dir``, ``jobs``, ``progress`` for the API, from the common options."""
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    return {"cache": not args.no_cache,
            "cache_dir": Path(args.cache_dir).resolve() if args.cache_dir else None,  # relative to where it was typed
            "jobs": args.jobs, "progress": not args.quiet and sys.stderr.isatty()}


def write_output(text: str | Iterable[str], output: str | None) -> None:
    """Standard output, or a file replaced atomically (a reader never sees half of it);
    ``text`` is a string or an iterable of pieces (written as they come)."""
    if output is None:
        try:
            sys.stdout.writelines([text] if isinstance(text, str) else text)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except (OSError, ValueError, AttributeError) as exc:  # closed or missing standard output
            raise OutputError(f"standard output: cannot write ({exc})") from None
        return
    from wsaudit.iorw import write_text

    write_text(output, text)


def _audit(args: argparse.Namespace):
    from wsaudit.api import audit

    scheduler = {"scheduler": args.scheduler} if getattr(args, "scheduler", None) else {}
    result = audit(args.path, args.config, profile=args.profile, **_store_options(args), **scheduler)
    args.notices = result.notices  # said once the command has run (an error, if any, is the one line)
    _say_where(args, result.root, result.config, result.scope)
    return result


def _say_where(args: argparse.Namespace, root: Path, config, scope: str) -> None:
    """One line on standard error when the configuration came from a parent of PATH: the rows
    are PATH's, but the tree (and the paths printed) is the configuration's folder's."""
    if scope and not args.quiet:
        _say(f"{scope}/ audited in the tree of {Path(root).resolve() / config.source} "
             "(paths are relative to its folder)")


def _explain(args: argparse.Namespace) -> int:
    """``scan --explain FILE``: how discovery classifies FILE (a path as typed, from where the
    command runs; or root-relative), without auditing anything."""
    import json

    from wsaudit.config import locate
    from wsaudit.engine.explain import explain

    if args.format not in ("table", "json"):
        raise UsageError("--explain writes text (--format table) or --format json (see 'wsaudit scan --help')")
    located = locate(args.path, args.config, args.profile)
    root = Path(located.root).resolve()
    typed = Path(args.explain)
    candidates = [Path.cwd() / typed, root / typed] if not typed.is_absolute() else [typed]
    for candidate in candidates:
        candidate = Path(os.path.normpath(candidate))  # the last name is not resolved: a link is explained as a link
        absolute = Path(os.path.realpath(candidate.parent)) / candidate.name
        if absolute == root or root in absolute.parents:
            break
    else:
        raise UsageError(f"--explain {args.explain}: not inside the audited tree {root} (see 'wsaudit scan --help')")
    rel = absolute.relative_to(root).as_posix()
    if rel == ".":
        raise UsageError(f"--explain {args.explain}: the tree's root itself; name a file in it (see 'wsaudit scan --help')")
    found = explain(root, located.config, rel)
    found["config"] = located.config.source
    if args.format == "json":
        write_output(json.dumps(found, indent=2) + "\n", args.output)
        return EXIT_OK
    if found["audited"]:
        state = "audited"
    elif not found["exists"]:
        state = "not audited (no such file)"
    elif found["excluded"]:
        state = "not audited (excluded)"
    else:
        state = "not audited (a folder)" if str(found["test_by"]).startswith("a folder") else "not audited (not a .py file)"
    lines = [f"{rel}: {state}",
             f"  excluded: {'yes' if found['excluded'] else 'no'}: {found['excluded_by']}",
             f"  test: {'yes' if found['is_test'] else 'no'}: {found['test_by']}"]
    write_output("\n".join(lines) + "\n", args.output)
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from wsaudit.configure import init
    from wsaudit.render.init import render_init

    done = init(args.path, symbol=args.symbol, module=args.module, replacement=args.replacement,
                pyproject=args.pyproject, golden_path=tuple(args.golden_path), baseline=args.baseline,
                force=args.force, cache=not args.no_cache)
    write_output(render_init(args.format, done.document()), args.output)
    args.notices = [_Said(w) for w in done.warnings]
    return EXIT_OK


class _Said:
    """A warning to say (as a notice is said) that is not a notice of an audit."""

    def __init__(self, message: str):
        self.message = message


def cmd_scan(args: argparse.Namespace) -> int:
    from wsaudit.render.scan import render_scan

    if args.explain is not None:
        return _explain(args)
    result = _audit(args)
    write_output(render_scan(args.format, str(result.root.resolve()), result, _version()), args.output)
    return EXIT_OK


def cmd_graph(args: argparse.Namespace) -> int:
    from wsaudit.render.graph import graph_chunks

    if args.depth is not None and args.around is None:  # before the audit: a usage error fails fast
        raise UsageError("--depth needs --around MODULE")
    for option, value in (("--depth", args.depth), ("--golden-path-hops", args.golden_path_hops)):
        if value is not None and value < 0:
            raise UsageError(f"{option} must be at least 0")
    if args.collapse is not None and args.collapse < 1:
        raise UsageError("--collapse must be at least 1")
    if args.format == "html" and (args.around is not None or args.golden_path_hops is not None
                                  or args.only_violations or args.collapse is not None):
        # the explorer is the whole graph with filters of its own (tier, hops, tests, violations)
        raise UsageError("--format html takes no view (--around, --golden-path-hops, --only-violations, "
                         "--collapse): the explorer filters the whole graph itself; the views are for the "
                         "other formats")
    result = _audit(args)
    if args.format == "html":  # the explorer: one page of the graph, the ranking and the violations
        from wsaudit.render.explorer import explorer_html

        result.release_import_records()
        write_output(explorer_html(result), args.output)
        return EXIT_OK
    # of the records, only the imports of modules outside the tree are written (beside the
    # graph): the others, half of them, are let go before the ranking and the writing
    unresolved = [r for r in result.import_records if not r.resolved]
    result.release_import_records()
    result.module_ranks  # noqa: B018  # ranked: the graph's nodes carry violations, tier, score, hops
    kept, G = _graph_view(result.graph, args)
    if kept is not None:  # the imports of outside modules that the modules shown make
        unresolved = [r for r in unresolved if r.source in kept]
    write_output(graph_chunks(G, unresolved, args.format, edge_labels=args.edge_labels), args.output)
    return EXIT_OK


def _graph_view(G, args: argparse.Namespace):
    """The view of ``wsaudit graph``'s options (:mod:`wsaudit.analysis.views`): the filters
    intersect, then ``--collapse`` groups what they keep. Returns the modules kept (None: all)
    and the graph to write."""
    from wsaudit.analysis import views

    whole = G

    if args.around is not None:
        try:
            G = views.around(G, args.around, 1 if args.depth is None else args.depth)
        except UsageError as exc:
            raise UsageError(f"--around {args.around}: {exc}") from None
    if args.golden_path_hops is not None:
        G = views.within_hops(G, args.golden_path_hops)
    if args.only_violations:
        G = views.only_violations(G)
    kept = None if G is whole else set(G)
    if args.collapse is not None:
        G = views.collapse(G, args.collapse)
    return kept, G


def cmd_rank(args: argparse.Namespace) -> int:
    from wsaudit.render.rank import rank_chunks

    if args.by == "file" and args.format == "sarif":  # before the audit: a usage error fails fast
        raise UsageError("--format sarif needs --by violation (SARIF results are locations)")
    result = _audit(args)
    result.release_import_records()  # the ranking needs the graph, not the records it was built from
    write_output(rank_chunks(args.format, args.by, result, root=str(result.root.resolve()), version=_version()),
                 args.output)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from wsaudit.gate.check import parse_tiers, run_check
    from wsaudit.render.check import render

    options = _store_options(args)
    result = run_check(args.path, args.config, profile=args.profile, baseline=args.baseline,
                       update=args.update_baseline, allow_new=args.allow_new,
                       fail_on=parse_tiers(args.fail_on) if args.fail_on else (),
                       cache=options["cache"], cache_dir=options["cache_dir"], jobs=options["jobs"], base=args.base)
    args.notices = result.notices
    if result.base is None:
        _say_where(args, result.root, result.config, result.scope)
    elif result.scope and not args.quiet:  # the configuration is REV's: named as git names it, not as a file
        _say(f"{result.scope}/ audited in the tree of {Path(result.root).resolve()} "
             f"({result.config.source}; paths are relative to that folder)")
    root = Path(result.root).resolve()  # annotations name files relative to where the command runs
    prefix = os.path.relpath(root) if root.is_relative_to(Path.cwd()) else str(root)
    write_output(render(result, args.format, _version(), prefix), args.output)
    return EXIT_OK if result.passed else EXIT_GATE


def cmd_migrate(args: argparse.Namespace) -> int:
    from wsaudit.codemod.apply import apply
    from wsaudit.codemod.plan import plan
    from wsaudit.codemod.select import (
        read_plan,
        rows_of_wave,
        select_files,
        tests_first,
    )
    from wsaudit.codemod.shim import defined_rule, shim, shim_rule
    from wsaudit.render.migrate import applied_summary, migration_summary, render_migration

    if args.emit_shim:
        result = _audit(args)
        write_output(shim(defined_rule(result, shim_rule(result.config, args.rule))), args.output)
        return EXIT_OK
    if args.plan is not None and args.wave is None:
        raise UsageError("--plan needs --wave N (the wave to migrate)")
    if (args.force or args.verify or args.commit) and not args.apply:
        raise UsageError("--force, --verify and --commit need --apply")
    if args.commit and args.force:
        raise UsageError("--commit needs a clean checkout: it does not go with --force")
    result = _audit(args)
    root = result.root  # the tree's (a sub-folder's rows are migrated in the tree they belong to)
    rows, source = None, args.plan
    if args.wave is not None:
        if args.plan is None:
            rows, strategy = _recommended_plan(result, args.jobs)
            source = f"the recommended wave plan ({strategy})"
        else:
            rows = read_plan(args.plan)
    files = select_files(result, root, files=args.files, tiers=args.tier, plan_rows=rows, wave=args.wave,
                         plan_csv=source)
    label = f"wave {args.wave}" if args.wave is not None else ""
    phases: list[tuple[str, list[str] | None]] = [(label, files)]
    if args.tests_first:
        wave_tests = [t for row in rows_of_wave(rows, args.wave, source) for t in row.get("tests", "").split()] \
            if rows is not None else []
        tests, code = tests_first(result, files, wave_tests)
        phases = [(f"{label} tests".strip(), tests), (label, code)]
    code, texts = EXIT_OK, []
    for number, (name, chosen) in enumerate(phases):
        if chosen is not None and not chosen:
            continue
        if number and args.apply:
            result = _audit(args)  # the second phase starts from what the first one wrote
        m = plan(root, audit=result, files=chosen, jobs=args.jobs)
        if not args.apply:
            texts.append(render_migration(args.format, m))
            if not args.quiet:
                sys.stderr.write((f"{name}: " if args.tests_first else "") + migration_summary(m))
            continue
        done = apply(m, force=args.force, verify=args.verify, commit=args.commit, label=name,
                     command="wsaudit migrate --apply" + (f" --verify {args.verify!r}" if args.verify else "")
                     + (f" --commit {args.commit}" if args.commit else "") + (f" ({name})" if name else ""))
        texts.append(render_migration(args.format, m, done))
        if not args.quiet:
            sys.stderr.write((f"{name}: " if args.tests_first else "") + migration_summary(m) + applied_summary(done, m))
        if done.rolled_back:
            code = EXIT_GATE
            break
    write_output(_joined(args.format, texts), args.output)
    return code


def _recommended_plan(result, jobs: int | None = None) -> tuple[list[dict], str]:
    """The wave plan ``wsaudit simulate --plan`` writes (the recommended strategy, seed 0, the
    codemod's plan consulted so that its waves come first), computed in memory, and its strategy."""
    from wsaudit.planning import simulation as simulated

    simulation = simulated(result, seed=0, jobs=jobs)
    strategy = simulation.recommended()
    return simulation.plan_rows(strategy), strategy


def _joined(fmt: str, texts: list[str]) -> str:
    """The outputs of the phases of one migrate command: diffs one after the other, JSON
    documents as one list (``phases``) when there are several."""
    if fmt != "json" or len(texts) == 1:
        return "".join(texts)
    import json

    from wsaudit.render.text import dumps

    return dumps({"phases": [json.loads(t) for t in texts]})


def cmd_rollback(args: argparse.Namespace) -> int:
    from wsaudit.codemod import rollback
    from wsaudit.render.rollback import render_points, render_restored

    point_id, root = rollback.parse_target(args.target)
    if args.list:
        points, refused = rollback.scan_points(root)
        write_output(render_points(points, args.format, refused), args.output)
        return EXIT_OK
    done = rollback.restore(root, point_id, force=args.force)
    write_output(render_restored(done, args.format), args.output)
    return EXIT_OK


def cmd_simulate(args: argparse.Namespace) -> int:
    from wsaudit.analysis.simulate import STRATEGIES
    from wsaudit.render.simulate import plan_files, render_simulation

    if args.runs is not None and args.runs < 1:
        raise UsageError("--runs must be at least 1")
    if args.strategy is not None and args.strategy not in STRATEGIES:
        raise UsageError(f"unknown --strategy {args.strategy!r} (choose from {', '.join(STRATEGIES)})")
    if args.figure and not args.backtest:
        raise UsageError("--figure needs --backtest REV")
    if args.backtest:
        return _backtest(args)
    from wsaudit.planning import calibration as calibrated
    from wsaudit.planning import history_rows
    from wsaudit.planning import simulation as simulated

    result = _audit(args)
    calibration = calibrated(result, history_rows(result.root, _history_config(args), _store_options(args)),
                             args.seed) if args.calibrate else None
    simulation = simulated(result, seed=args.seed, runs=args.runs, codemod=not args.no_codemod,
                           calibrated=calibration, jobs=args.jobs)
    doc = simulation.document()
    if calibration is not None:
        doc["calibration"] = calibration.document()
        doc["calibration_sentence"] = calibration.sentence()
    text = render_simulation(args.format, doc)
    if args.plan:
        strategy = args.strategy or doc["recommended"]
        for path, content in plan_files(simulation, strategy, args.plan).items():
            write_output(content, path)
    write_output(text, args.output)
    return EXIT_OK


def _backtest(args: argparse.Namespace) -> int:
    """``simulate --backtest REV`` (:func:`wsaudit.planning.backtest`)."""
    from wsaudit.planning import backtest
    from wsaudit.render.simulate import render_backtest

    config = f"profile:{args.profile}" if args.profile and not args.config else args.config
    doc, png = backtest(args.path, args.backtest, config=config, history_config=_history_config(args),
                        strategy=args.strategy, seed=args.seed, runs=args.runs, jobs=args.jobs,
                        codemod=not args.no_codemod, store=_store_options(args), figure=bool(args.figure))
    if png is not None:
        Path(args.figure).write_bytes(png)
    write_output(render_backtest(args.format, doc), args.output)
    return EXIT_OK


def _needs(command: str, extra: str) -> None:
    """Fail now, in one line naming ``extra``, when a module it brings is not installed (before
    an audit that would take minutes to reach the import)."""
    import importlib.util

    for name in [m for m, brings in EXTRA_OF.items() if brings == extra or (extra == "notebooks"
                                                                               and brings == "analysis")]:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise UsageError(f"'wsaudit {command}' needs {name}, which the {extra} extra brings: "
                             f"pip install 'wsaudit[{extra}]'")


def cmd_report(args: argparse.Namespace) -> int:
    _needs("report", "notebooks")
    from wsaudit.report.runner import parse_value, report

    if args.runs is not None and args.runs < 1:
        raise UsageError("--runs must be at least 1")
    extra = {key: parse_value(value) for key, value in args.parameter}
    source = Path(args.notebooks).resolve() if args.notebooks else None
    options = _store_options(args)
    history = {"history": True} if args.history else {}
    config = f"profile:{args.profile}" if args.profile and not args.config else args.config
    if (args.keep is not None or args.fail_on) and not args.archive:
        raise UsageError("--keep and --fail-on need --archive")
    done = report(args.path, args.output, config, seed=args.seed, runs=args.runs, extra=extra,
                  source_dir=source, cache=options["cache"], cache_dir=options["cache_dir"], jobs=options["jobs"],
                  **history, **({"archive": True, "keep": args.keep} if args.archive else {}),
                  plan_inputs=lambda result: _plan_inputs(args, result))
    args.notices = done["notices"]
    for page in done["html"]:
        print(f"HTML report: {page}")
    print(f"Tables: {len(done['tables'])} files in {Path(args.output).resolve()}; history: {done['history']}")
    if not args.archive:
        return EXIT_OK
    kept = done["archive"]
    counts = kept["changes"]
    if kept["previous"] is None:
        print(f"Run {kept['name']}: the first kept run")
    else:
        print(f"Run {kept['name']} since {kept['previous']}: {counts['new']} new, {counts['fixed']} fixed, "
              f"{counts['moved']} moved, {counts['new_p0']} new P0, {counts['reintroduced']} re-introduced "
              f"definitions ({kept['folder'] / 'changes.md'})")
    if args.fail_on == "new-p0" and counts["new_p0"] or args.fail_on == "new" and (
            counts["new"] or counts["new_p0"] or counts["reintroduced"]):
        return EXIT_GATE
    return EXIT_OK


def _plan_inputs(args: argparse.Namespace, result) -> dict:
    """``report``'s plan inputs (:func:`wsaudit.planning.plan_inputs`) from its options."""
    from wsaudit.planning import plan_inputs

    return plan_inputs(result, codemod=not args.no_codemod, seed=args.seed, config=_history_config(args),
                       calibrate=False if args.no_calibrate else (True if args.calibrate else None),
                       store=_store_options(args))


def cmd_history(args: argparse.Namespace) -> int:
    from wsaudit.history import DEFAULT_MAX_COMMITS, history
    from wsaudit.render.history import render_history

    if args.every < 1 or (args.max_commits is not None and args.max_commits < 1):
        raise UsageError("--every and --max-commits must be at least 1")
    result = history(args.path, rev_range=args.rev_range, first_parent=args.first_parent, every=args.every,
                     since=args.since, until=args.until, max_commits=args.max_commits or DEFAULT_MAX_COMMITS,
                     config=_history_config(args), scheduler=args.scheduler, **_store_options(args))
    args.notices = result.notices
    write_output(render_history(args.format, result.document()), args.output)
    return EXIT_OK


def cmd_fleet(args: argparse.Namespace) -> int:
    _needs("fleet", "analysis")
    from wsaudit.fleet.document import fleet_csv, fleet_document, keep_run, kept_runs, render_table
    from wsaudit.fleet.page import fleet_page
    from wsaudit.fleet.run import run_fleet
    from wsaudit.fleet.settings import load_fleet
    from wsaudit.render.text import dumps

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.archive and not args.output:
        raise UsageError("--archive needs --output DIR (the kept runs are DIR/runs/)")
    fleet = load_fleet(args.fleet)

    def progress(done: int, total: int, row: dict) -> None:
        state = f"error: {row['error']}" if row["error"] else \
            f"{row['violations']} use{'' if row['violations'] == 1 else 's'}, P0 {(row['by_tier'] or {}).get('P0', '-')}"
        _say(f"fleet {done}/{total} {row['name']}: {state}")

    cache_dir = str(Path(args.cache_dir).resolve()) if args.cache_dir else None
    rows = run_fleet(fleet, scheduler=args.scheduler, jobs=args.jobs, cache_dir=cache_dir,
                     progress=None if args.quiet else progress)
    trend = None
    if args.output:
        out = Path(args.output)
        trend = keep_run(out, fleet, rows)[1] if args.archive else (kept_runs(out) or None)
        document = fleet_document(fleet, rows, trend)
        write_output(dumps(document), str(out / "fleet.json"))
        write_output(fleet_csv(rows), str(out / "fleet.csv"))
        write_output(fleet_page(document), str(out / "index.html"))
    document = fleet_document(fleet, rows, trend)
    text = {"json": dumps, "csv": lambda d: fleet_csv(d["repositories"]), "table": render_table}[args.format]
    write_output(text(document), None)
    failed = document["totals"]["failed"]
    if failed and args.strict:
        _say(f"error: {failed} repositories could not be audited and --strict")
        return EXIT_ERROR
    return EXIT_OK


def _history_config(args: argparse.Namespace):
    """``--config`` or ``--profile`` for every commit of a history (None: each commit's own)."""
    if args.profile:
        from wsaudit.config import locate

        return locate(args.path, args.config, args.profile).config
    return args.config


COMMANDS = {"init": cmd_init, "history": cmd_history, "fleet": cmd_fleet, "scan": cmd_scan, "graph": cmd_graph, "rank": cmd_rank, "simulate": cmd_simulate, "report": cmd_report,
            "check": cmd_check, "migrate": cmd_migrate, "rollback": cmd_rollback}


def _say(message: str) -> None:
    """One line on standard error: what the tree put in a message (a key, a file name, a rule's id)
    cannot start another line, which a CI log would read as a command (``::error::``), nor move the
    cursor (:func:`wsaudit.render.text.printable`)."""
    from wsaudit.render.text import printable

    print(f"wsaudit: {printable(message)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    command = "COMMAND"
    try:
        args = build_parser().parse_args(argv)
        command = args.command
        code = COMMANDS[args.command](args)
        notices = getattr(args, "notices", ())
        for notice in () if getattr(args, "quiet", False) else notices:
            _say(f"warning: {notice.message}")  # about the audit, not the code
        if notices and getattr(args, "strict", False):
            print(f"wsaudit: error: {len(notices)} warning(s) and --strict", file=sys.stderr)
            return EXIT_ERROR
        return code
    except ConfigError as exc:
        for line in exc.lines():
            _say(f"configuration error: {line}")
        return EXIT_ERROR
    except ModuleNotFoundError as exc:  # a part of wsaudit that an extra brings (never the audited code's)
        top = (exc.name or "").partition(".")[0]
        if top not in EXTRA_OF:
            raise
        extra = EXTRA_OF[top]
        print(f"wsaudit: error: 'wsaudit {command}' needs {top}, which the {extra} extra brings: "
              f"pip install 'wsaudit[{extra}]'", file=sys.stderr)
        return EXIT_ERROR
    except WsauditError as exc:
        _say(f"error: {exc}")
        return EXIT_ERROR
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("wsaudit: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print("wsaudit: error: out of memory (lower max_file_size or --jobs)", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # an input or output the checks above did not name: still one line
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _say(f"error: {where}{exc.strerror or exc}")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
