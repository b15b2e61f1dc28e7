"""The configuration as validated values: frozen records with their defaults.

Where they come from and how they are checked: :mod:`wsaudit.config.loading` and
:mod:`wsaudit.config.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wsaudit.model import CATEGORIES, TIERS, Rule


DEFAULT_PROFILE = "netra-websocket"
PROFILES = ("netra-websocket",)

DEFAULT_EXCLUDE = (".venv", "build", "backup*")
DEFAULT_TESTS = ("tests/**", "**/tests/**", "**/test_*.py", "**/*_test.py", "**/conftest.py")
ALWAYS_EXCLUDED = (".git", ".hg", ".svn", ".wsaudit", "__pycache__")
DEFAULT_MAX_FILE_SIZE = 2_000_000
DEFAULT_MAX_PARSE_MEMORY = 512_000_000


@dataclass(frozen=True)
class GoldenPath:
    modules: tuple[str, ...] = ()  # module names or globs (``*`` within a dotted segment, ``**`` across)
    tests: tuple[str, ...] = ()  # test files (root-relative paths or globs) whose imports define it


@dataclass(frozen=True)
class RankSettings:
    """Thresholds of the ranking (README, "Ranking and tiers")."""

    alpha: float = 0.85  # PageRank damping: the chance of following one more import
    type_checking: bool = False  # do `if TYPE_CHECKING:` imports carry Golden Path reachability?
    p0_max_distance: int | None = None  # P0 only within this many import hops (None: any distance)
    golden_test_imports_tier: str = "P1"  # tier of a test that imports a Golden Path module


@dataclass(frozen=True)
class SimulateSettings:
    """The migration model (README, "Simulation"): hours, capacity, waves, failures."""

    base_hours: float = 0.5  # effort of touching one file
    per_violation_hours: float = 0.25  # effort per violation in it
    effort_sigma: float = 0.5  # log-normal noise on a file's effort (0: none)
    capacity_hours_per_day: float = 6.0  # team hours a day spent on the migration
    wave_files: int = 4  # files per wave (one PR)
    validation_hours: float = 2.0  # review, CI and staging checks per wave
    failure_probability: float = 0.15  # chance a wave fails validation and goes back
    rework_fraction: float = 0.5  # share of the wave's work redone after a failure
    runs: int = 200  # Monte Carlo runs
    review_hours: float = 0.1  # reviewing one file the codemod rewrote (its diff, its six checks)
    codemod_wave_files: int = 10_000  # files per codemod wave (`wsaudit migrate --wave N` on them at once)


# What a ``[report] baseline`` table may count: the measured figures it is shown beside.
BASELINE_COUNTS = ("violations", "files", *TIERS, *CATEGORIES)
BASELINE_DAYS = ("days_to_zero_p0", "days_to_done")  # the team's own plan, in working days
BASELINE_KEYS = ("label", *BASELINE_COUNTS, *BASELINE_DAYS)


@dataclass(frozen=True)
class ReportBaseline:
    """The figures a team already works from, shown beside the measured ones (``[report] baseline``).

    Either ``counts`` given in the configuration (``{violations = 567, P0 = 45}``), or ``path``:
    a previous report's ``summary.json``, relative to the audited root, read when the report runs.
    From a configuration given with ``--config``, ``path`` may be anywhere: relative to ``base``,
    the folder of that file (never shown: reports name ``path`` as written).
    """

    counts: tuple[tuple[str, float], ...] = ()  # (key, value) in BASELINE_KEYS order
    label: str | None = None  # what the figures are, in words ("the plan of March")
    path: str | None = None
    base: str | None = None  # the folder of the --config file that named path; None: the audited root


@dataclass(frozen=True)
class ReportSettings:
    """The words of a report (``[report]``): nothing in a report is about a particular codebase
    unless it comes from here or from the rules' messages."""

    title: str | None = None  # the report's title (default: "Deprecated API audit of <folder>")
    golden_path: str | None = None  # one sentence: what the Golden Path is, for this codebase
    baseline: ReportBaseline | None = None
    figure_modules: int = 40  # the most modules the Golden Path figure draws (the highest scores first)
    # a link to a source line: "https://host/org/repo/blob/{commit}/{path}#L{line}" (the explorer)
    source_url: str | None = None


@dataclass(frozen=True)
class Config:
    """A validated configuration. ``source`` says where it came from, for reports."""

    source: str = f"profile:{DEFAULT_PROFILE}"
    roots: tuple[str, ...] = (".",)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    tests: tuple[str, ...] = DEFAULT_TESTS
    # ``[test_folders]``: (folder, its patterns), the folder's patterns deciding for the files under it
    test_folders: tuple[tuple[str, tuple[str, ...]], ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_parse_memory: int = DEFAULT_MAX_PARSE_MEMORY  # bytes a parse may take (estimated from the size)
    cache_dir: str = ".wsaudit/cache"
    golden_path: GoldenPath = field(default_factory=GoldenPath)
    rules: tuple[Rule, ...] = ()
    rank: RankSettings = field(default_factory=RankSettings)
    simulate: SimulateSettings = field(default_factory=SimulateSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    # where each top-level key's value came from: (key as written there, "file" or "profile:NAME");
    # a key in neither is wsaudit's default. It says nothing about the audit (not compared, not
    # in the repr that keys the cache): ``scan --explain`` names the file and key of a verdict.
    origins: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)

    def origin(self, key: str) -> str:
        """Where the value of top-level ``key`` came from, as ``FILE: KEY`` (the key as written
        there, ``tool.wsaudit.tests`` in a ``pyproject.toml``), or that it is wsaudit's default.

        >>> Config(source="wsaudit.toml", origins=(("tests", "file"),)).origin("tests")
        'wsaudit.toml: tests'
        >>> Config(source="wsaudit.toml").origin("exclude")
        "exclude, wsaudit's default (wsaudit.toml does not set it)"
        """
        for written, where in self.origins:
            if written == key or written.endswith("." + key):
                return f"{self.source if where == 'file' else where}: {written}"
        return f"{key}, wsaudit's default ({self.source} does not set it)"

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)
