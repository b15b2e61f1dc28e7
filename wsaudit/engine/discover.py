"""Find the Python files under the audited root and name their modules.

Patterns (``exclude``, ``tests``) are gitignore-style, matched against root-relative POSIX
paths: a pattern without a slash matches a name at any depth. Links are followed only while
they stay inside the root; a link that leaves it is an ``outside-root`` diagnostic.
"""

from __future__ import annotations

import os
import re
import stat
from functools import lru_cache
from pathlib import Path, PurePosixPath

import pathspec

from wsaudit.config import ALWAYS_EXCLUDED, Config
from wsaudit.errors import InputError
from wsaudit.model import Diagnostic, SourceFile


class Regex:
    """A regular expression of the small language that gitignore and Golden Path globs compile
    to, searched in time linear in the text: a lazily built DFA, never backtracking.

    The patterns come from the audited tree's own configuration, and Python's ``re`` backtracks:
    ``a/**/a/**/a/**/b`` against a path 1,000 folders deep, or ``*a*a*a*a*b`` against a long
    name, takes hours. Here each character of the text is one step from a set of NFA states to
    the next (Thompson's construction), and each step is remembered per (state set, character),
    so a text costs one dictionary look-up per character once warm, whatever the pattern.

    The language: literals and ``\\``-escapes of punctuation, ``.`` (any character but a line
    end, as ``re``), bracket classes (handed to ``re``, one character at a time), groups
    ``(?:...)`` and ``(?P<name>...)`` (nothing is captured), ``|``, ``?``, ``*``, ``+`` and
    ``^``/``$``; :meth:`search` says whether the expression matches anywhere, as
    ``re.search(...) is not None``. Anything else is a ``ValueError``.

    >>> Regex(r"^(?:.+/)?a[^/]*b(?:(?P<ps_d>/)|$)").search("x/ayb/z"), Regex("^a$").search("ba")
    (True, False)
    """

    _MAX_SETS = 4096  # state sets remembered; past that the memory is dropped and rebuilt

    def __init__(self, text: str):
        self.text = text
        self._i = 0
        # NFA states: ("c", test, next) a character, ("s", a, b) a split, ("^"|"$", next), ("m",)
        self._states: list[list] = [["m"]]
        tree = self._alternation()
        if self._i != len(text):
            raise ValueError(f"unsupported regular expression at {self._i}: {text!r}")
        self._start = self._compile(tree, 0)
        self._ids: dict[tuple[frozenset, bool], int] = {}
        self._sets: list[frozenset] = []
        self._accepts: list[bool] = []
        self._rows: list[dict[str, int]] = []
        # the state after each folder prefix (``a/b/``) searched, or True when the match was
        # found in it: the files of a folder share it, so each character of a tree's paths is
        # stepped once per folder, not once per file (a DFA's state depends on the prefix alone)
        self._prefixes: dict[str, int | bool] = {}
        self._ends: dict[tuple[int, bool], bool] = {}  # (set, at the start) -> whether its ``$`` states match
        self._reset()

    # -- parsing: a tree of ("lit", test) ("seq", [..]) ("alt", [..]) ("rep", node, min, many) ("^",) ("$",)

    def _peek(self) -> str | None:
        return self.text[self._i] if self._i < len(self.text) else None

    def _alternation(self):
        branches = [self._sequence()]
        while self._peek() == "|":
            self._i += 1
            branches.append(self._sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def _sequence(self):
        items = []
        while self._peek() not in (None, "|", ")"):
            atom = self._atom()
            mark = self._peek()
            if mark in ("?", "*", "+") and atom[0] not in ("^", "$"):
                self._i += 1
                if self._peek() == "?":  # lazy: the same yes or no
                    self._i += 1
                atom = ("rep", atom, 0 if mark != "+" else 1, mark != "?")
            items.append(atom)
        return ("seq", items)

    def _atom(self):
        text, i = self.text, self._i
        char = text[i]
        if char == "(":
            if text.startswith("(?:", i):
                self._i = i + 3
            elif text.startswith("(?P<", i) and ">" in text[i:]:
                self._i = text.index(">", i) + 1
            else:
                raise ValueError(f"unsupported group at {i}: {text!r}")
            inner = self._alternation()
            if self._peek() != ")":
                raise ValueError(f"unclosed group: {text!r}")
            self._i += 1
            return inner
        if char in "^$":
            self._i = i + 1
            return (char,)
        if char == ".":
            self._i = i + 1
            return ("lit", _ANY)
        if char == "[":
            end = i + 1
            if end < len(text) and text[end] == "^":
                end += 1
            if end < len(text) and text[end] == "]":
                end += 1
            while end < len(text) and text[end] != "]":
                end += 2 if text[end] == "\\" else 1
            if end >= len(text):
                raise ValueError(f"unclosed class: {text!r}")
            self._i = end + 1
            return ("lit", _class_test(text[i : end + 1]))
        if char == "\\":
            if i + 1 >= len(text) or text[i + 1].isalnum():  # \d, \b, \1, ...: not in this language
                raise ValueError(f"unsupported escape at {i}: {text!r}")
            self._i = i + 2
            return ("lit", text[i + 1])
        if char in ")?*+{":
            raise ValueError(f"unsupported {char!r} at {i}: {text!r}")
        self._i = i + 1
        return ("lit", char)

    # -- compiling, back to front: each node gets the state that follows it

    def _new(self, state: list) -> int:
        self._states.append(state)
        return len(self._states) - 1

    def _compile(self, node, after: int) -> int:
        kind = node[0]
        if kind == "lit":
            return self._new(["c", node[1], after])
        if kind in ("^", "$"):
            return self._new([kind, after])
        if kind == "seq":
            for item in reversed(node[1]):
                after = self._compile(item, after)
            return after
        if kind == "alt":
            starts = [self._compile(b, after) for b in node[1]]
            head = starts[-1]
            for start in reversed(starts[:-1]):
                head = self._new(["s", start, head])
            return head
        _, inner, least, many = node
        if not many:  # x?
            return self._new(["s", self._compile(inner, after), after])
        loop = self._new(["s", -1, after])  # x*: the loop's body comes back to it
        body = self._compile(inner, loop)
        self._states[loop][1] = body
        return body if least else loop

    # -- running

    def _closure(self, seeds, at_start: bool, at_end: bool) -> tuple[frozenset, bool]:
        """The character and ``$`` states reachable from ``seeds`` without reading, and
        whether the match state is among them."""
        states = self._states
        out, seen, todo, matched = set(), set(), list(seeds), False
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            state = states[n]
            kind = state[0]
            if kind == "c":
                out.add(n)
            elif kind == "s":
                todo += (state[1], state[2])
            elif kind == "^":
                if at_start:
                    todo.append(state[1])
            elif kind == "$":
                if at_end:
                    todo.append(state[1])
                else:
                    out.add(n)  # decided at the end of the text
            else:
                matched = True
        return frozenset(out), matched

    def _reset(self) -> None:
        self._prefixes.clear()
        self._ends.clear()
        self._ids.clear()
        self._sets.clear()
        self._accepts.clear()
        self._rows.clear()
        self._again = self._closure([self._start], False, False)[0]  # a search starts anywhere
        self._first = self._intern(*self._closure([self._start], True, False))

    def _intern(self, states: frozenset, matched: bool) -> int:
        known = self._ids.get((states, matched))
        if known is None:
            known = self._ids[(states, matched)] = len(self._sets)
            self._sets.append(states)
            self._accepts.append(matched)
            self._rows.append({})
        return known

    def _step(self, current: int, char: str) -> int:
        states = self._states
        seeds = [states[n][2] for n in self._sets[current] if states[n][0] == "c" and _test(states[n][1], char)]
        found = self._closure(seeds, False, False)
        target = self._intern(found[0] | self._again, found[1])
        self._rows[current][char] = target
        return target

    def search(self, text: str) -> bool:
        """Whether the expression matches somewhere in ``text`` (``re.search`` is not None)."""
        if len(self._sets) > self._MAX_SETS or len(self._prefixes) > self._MAX_SETS:
            self._reset()
        accepts, rows = self._accepts, self._rows
        # as in ``re``, ``$`` also matches before a line end that ends the text
        body = text.removesuffix("\n")
        cut = body.rfind("/") + 1  # the folder prefix: never the line end taken off above
        current: int | bool = self._first
        if cut:
            prefix = body[:cut]
            current = self._prefixes.get(prefix, -1)
            if current == -1:
                current = self._prefixes[prefix] = self._advance(self._first, prefix)
        if current is True:
            return True
        current = self._advance(current, body[cut:] if cut else body)
        if current is True:
            return True
        if len(body) < len(text):
            if accepts[current] or self._at_end(current, not body):
                return True
            target = rows[current].get("\n")
            current = target if target is not None else self._step(current, "\n")
        return accepts[current] or self._at_end(current, not text)

    def _advance(self, current: int, chars: str) -> int | bool:
        """The state after reading ``chars`` from ``current``, or True when the match is found
        on the way (before a character is read)."""
        accepts, rows = self._accepts, self._rows
        for char in chars:
            if accepts[current]:
                return True
            target = rows[current].get(char)
            current = target if target is not None else self._step(current, char)
        return current

    def _at_end(self, current: int, at_start: bool) -> bool:
        """Whether the ``$`` states of set ``current`` reach the match at the end of the text."""
        known = self._ends.get((current, at_start))
        if known is None:
            states = self._states
            ends = [states[n][1] for n in self._sets[current] if states[n][0] == "$"]
            known = self._ends[(current, at_start)] = bool(ends) and self._closure(ends, at_start, True)[1]
        return known


_ANY = object()  # ``.``: any character but a line end


def _test(test, char: str) -> bool:
    if test is _ANY:
        return char != "\n"
    if isinstance(test, str):
        return test == char
    return test(char)


@lru_cache(maxsize=1024)
def _class_test(text: str):
    """A bracket class as a test of one character (``re`` compiles it; one character cannot
    make it backtrack)."""
    compiled = re.compile(text)
    return lambda char: compiled.fullmatch(char) is not None


class _AnyOf:
    """A gitignore matcher without negated patterns: a path matches when one pattern does
    (with a ``!`` pattern, the last matching pattern decides: :class:`_LastOf`).

    The patterns are one expression: each file of the tree is matched once, not once per
    pattern, and the ``(.+/)?`` that every pattern without a slash starts with (a name at any
    depth) is tried once for all of them."""

    def __init__(self, regexes: list[str]):
        patterns = [_NAMED.sub("(?:", r) for r in regexes]  # a yes or no needs no groups
        anywhere = [p[len(_ANY_DEPTH):] for p in patterns if p.startswith(_ANY_DEPTH)]
        parts = [f"(?:{p})" for p in patterns if not p.startswith(_ANY_DEPTH)]
        if anywhere:
            parts.insert(0, _ANY_DEPTH + "(?:" + "|".join(anywhere) + ")")
        self._regex = Regex("|".join(parts)) if parts else None

    def match_file(self, path: str) -> bool:
        return self._regex is not None and self._regex.search(path)


class _LastOf:
    """A gitignore matcher with negated patterns, deciding as pathspec's ``GitIgnoreSpec``
    does: the last pattern that matches the path itself decides; failing one, the last that
    matches a folder above it."""

    def __init__(self, patterns: list[tuple[str, bool]]):
        self._patterns = []
        for regex, include in reversed(patterns):
            if regex.endswith(_DIR_MARK_OPT):  # the path itself, or a folder above it
                base = regex[: -len(_DIR_MARK_OPT)]
                variants = (Regex(base + "$"), Regex(base + "/"))
            elif _DIR_MARK in regex:  # only a folder above it
                variants = (None, Regex(regex.replace(_DIR_MARK, "/")))
            else:
                variants = (Regex(regex), None)
            self._patterns.append((include, *variants))

    def match_file(self, path: str) -> bool:
        decided = None
        for include, itself, above in self._patterns:
            if itself is not None and itself.search(path):
                return include
            if decided is None and above is not None and above.search(path):
                decided = include
        return bool(decided)


_NAMED = re.compile(r"\(\?P<\w+>")
_ANY_DEPTH = "^(?:.+/)?"
_DIR_MARK = "(?P<ps_d>/)"
_DIR_MARK_OPT = f"(?:{_DIR_MARK}|$)"
_PLAIN = re.compile("").flags


def spec(patterns) -> _AnyOf | _LastOf | pathspec.GitIgnoreSpec:
    """A gitignore-style matcher (``match_file(path)``), linear in the path (:class:`Regex`).

    pathspec says what each pattern means (its regular expression); :class:`Regex` runs it.

    >>> spec(["backup*", "tests/**"]).match_file("a/backup_1/x.py")
    True
    >>> spec(["**/test_*.py"]).match_file("test_root.py")
    True
    >>> spec(["tests/**", "!tests/keep.py"]).match_file("tests/keep.py")
    False
    """
    matcher = pathspec.GitIgnoreSpec.from_lines(list(patterns))
    used = [p for p in matcher.patterns if p.include is not None]
    try:
        if any(getattr(p, "regex", None) is None or p.regex.flags != _PLAIN for p in used):
            raise ValueError("not a plain regular expression")
        if all(p.include for p in used):
            return _AnyOf([p.regex.pattern for p in used])  # the common case: one expression
        return _LastOf([(p.regex.pattern, bool(p.include)) for p in used])
    except ValueError:  # an expression this pathspec makes that Regex does not know (a test holds it to none)
        return matcher


class TestFiles:
    """Which files are tests (``is_test``): the ``tests`` patterns, or for a file under a folder
    of ``[test_folders]`` (the deepest that holds it), that folder's patterns, matched against
    the path relative to the folder. pytest users know the idea as ``python_files`` set for one
    folder; ruff's ``per-file-ignores`` key their settings by path the same way.

    >>> t = TestFiles(Config(tests=("**/test_*.py",), test_folders=(("plugins", ()), ("plugins/ci", ("test_*.py",)))))
    >>> t.match_file("app/test_a.py"), t.match_file("plugins/test_hooks.py"), t.match_file("plugins/ci/test_x.py")
    (True, False, True)
    """

    __test__ = False  # a class of wsaudit, not one of pytest's

    def __init__(self, config: Config):
        self.tests = spec(config.tests)
        self.folders = {folder.strip("/"): spec(patterns) for folder, patterns in config.test_folders}
        self._longest = max((len(f) for f in self.folders), default=0)
        self._trie: dict = {}  # folder segments, one level a segment; the key None ends a folder
        for folder in self.folders:
            node = self._trie
            for segment in folder.split("/"):
                node = node.setdefault(segment, {})
            node[None] = folder

    def folder_of(self, path: str) -> str | None:
        """The deepest folder of ``[test_folders]`` that holds ``path``, if any: one walk down
        the folders' segments, over the leading ``len(longest folder)`` characters only (a path
        thousands of folders deep costs no more than a short one)."""
        if not self.folders:
            return None
        node, found = self._trie, None
        for segment in path[: self._longest + 1].split("/")[:-1]:  # the last piece: the name, or cut short
            node = node.get(segment)
            if node is None:
                break
            found = node.get(None, found)
        return found

    def match_file(self, path: str) -> bool:
        folder = self.folder_of(path)
        if folder is None:
            return self.tests.match_file(path)
        return self.folders[folder].match_file(path[len(folder) + 1:])


def module_name(rel: str, roots: tuple[str, ...], root_name: str = "root") -> tuple[str, bool]:
    """The dotted module name of root-relative path ``rel`` and whether it is a package.

    The most specific configured root that contains the file decides the name.

    >>> module_name("src/pkg/__init__.py", ("src", "."))
    ('pkg', True)
    >>> module_name("scripts/tool.py", ("src", "."))
    ('scripts.tool', False)
    """
    path_parts = rel.split("/")  # discovery gives POSIX paths; pathlib would cost more than the walk
    best: tuple[str, ...] | None = None
    for root in roots:
        root_parts = _root_parts(root)
        if tuple(path_parts[: len(root_parts)]) == root_parts and (best is None or len(root_parts) > len(best)):
            best = root_parts
    parts = path_parts[len(best or ()) :]
    is_package = parts[-1] == "__init__.py"
    if is_package:
        parts.pop()
    else:
        parts[-1] = parts[-1][: -len(".py")]
    return (".".join(parts) or root_name), is_package


@lru_cache(maxsize=64)
def _root_parts(root: str) -> tuple[str, ...]:
    return PurePosixPath(root).parts if root not in ("", ".") else ()


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def discover(root: str | Path, config: Config) -> tuple[list[SourceFile], list[Diagnostic]]:
    """List the ``.py`` files to audit, sorted by path, and the diagnostics met on the way."""
    root_path = Path(root)
    if not root_path.exists():
        raise InputError(f"{root}: no such folder (give the root of the code to audit)")
    if not root_path.is_dir():
        raise InputError(f"{root}: not a folder (give the root of the code to audit)")
    real_root = os.path.realpath(root_path)
    root_name = root_path.resolve().name
    excluded = spec([*ALWAYS_EXCLUDED, *config.exclude])
    tests = TestFiles(config)
    files: list[SourceFile] = []
    diagnostics: list[Diagnostic] = []
    stack = [("", "")]  # (path as shown, path on disk): they differ where a name is not UTF-8
    while stack:
        rel_dir, fs_dir = stack.pop()
        try:
            entries = sorted(os.scandir(os.path.join(real_root, fs_dir)), key=lambda e: e.name)
        except OSError as exc:
            diagnostics.append(Diagnostic(rel_dir or ".", "read-error", None, f"cannot list folder: {exc.strerror}"))
            continue
        subdirs = []
        for entry in entries:
            shown = shown_name(entry.name)
            rel = f"{rel_dir}/{shown}" if rel_dir else shown
            fs_rel = f"{fs_dir}/{entry.name}" if fs_dir else entry.name
            try:
                is_link, is_dir = entry.is_symlink(), entry.is_dir()  # a link: what it points at
            except OSError:
                is_link, is_dir = True, False
            if not is_dir and not entry.name.endswith(".py"):  # skipped either way: no need to match it
                continue
            if excluded.match_file(rel + "/" if is_dir else rel):
                continue
            if is_link:
                # A link inside the root points at something audited under its own path anyway.
                real = os.path.realpath(entry.path)
                if not _inside(real, real_root):
                    diagnostics.append(Diagnostic(rel, "outside-root", None, "link leaves the audited root; not followed"))
                elif not os.path.exists(real):
                    diagnostics.append(Diagnostic(rel, "read-error", None, "broken link"))
                continue
            if is_dir:
                subdirs.append((rel, fs_rel))
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                diagnostics.append(Diagnostic(rel, "read-error", None, f"cannot stat: {exc.strerror}"))
                continue
            if not stat.S_ISREG(info.st_mode):  # a FIFO named x.py would block every read forever
                diagnostics.append(Diagnostic(rel, "read-error", None,
                                              "not a regular file (a FIFO, socket or device): not read"))
                continue
            name, is_package = module_name(rel, config.roots, root_name)
            problem = module_name_problem(rel, name)
            valid = problem is None
            if problem is not None:
                diagnostics.append(Diagnostic(rel, "bad-module-name", None, problem))
            files.append(SourceFile(rel, name, is_package, tests.match_file(rel), info.st_size, valid,
                                    fs_rel if fs_rel != rel else None, info.st_mtime_ns, info.st_ino))
        stack.extend(reversed(subdirs))
    files.sort(key=lambda f: f.path)
    return files, diagnostics + _shadowed(files)


def shown_name(name: str) -> str:
    """A file name as every output shows it: bytes that are not UTF-8 (``os.scandir`` gives
    them as surrogates) become ``\\xNN`` escapes, so that standard output stays valid UTF-8,
    and so does a control character (a newline would break every line-oriented output).

    The engine keys every file by this text, so it is injective: a backslash of the name is
    doubled, or a file literally named ``caf\\xe9.py`` would be shown (and read) as the file
    whose name is the byte 0xE9, and hide it.

    >>> shown_name("caf\\udce9.py"), shown_name("ok.py"), shown_name("caf\\\\xe9.py")
    ('caf\\\\xe9.py', 'ok.py', 'caf\\\\\\\\xe9.py')
    """
    if name.isprintable() and "\\" not in name:
        return name
    return "".join(_shown_char(c) for c in name)


def _shown_char(c: str) -> str:
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode gives it
        return f"\\x{code - 0xDC00:02x}"
    if c == "\\":
        return "\\\\"
    if c.isprintable():
        return c
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def module_name_problem(rel: str, name: str) -> str | None:
    """Why no module name makes Python load the file at root-relative path ``rel`` (named
    ``name`` by :func:`module_name`), as the message of a ``bad-module-name`` diagnostic; None
    when ``name`` does.

    Python's import system cuts a dotted name at its dots and looks each part up as a file or
    folder name, whatever the part is: ``importlib.import_module("app.migrations.0001_initial")``
    loads ``app/migrations/0001_initial.py``, ``import_module("django.conf.locale.is")`` a
    package named by a keyword, ``python -m my-tool`` a script ``my-tool.py``. No ``import``
    statement can name them, but they are modules, and their own imports are edges of the
    graph (grimp's graph has them too). A dot inside a file or folder name is another thing:
    ``pkg.core.py`` is looked for as ``pkg/core.py``, so no name reaches it; nor does a name
    that had to be shown with escapes (:func:`shown_name`: bytes that are not UTF-8, a control
    character, a backslash), nor an empty one (a file named ``.py``).

    >>> module_name_problem("app/migrations/0001_initial.py", "app.migrations.0001_initial") is None
    True
    >>> module_name_problem("my-tool.py", "my-tool") is None, module_name_problem("locale/is/__init__.py", "locale.is")
    (True, None)
    >>> module_name_problem("pkg.core.py", "pkg.core")[:60]
    "'pkg.core' is not an importable module name: a dot in a file"
    """
    if "." in rel[:-3]:
        return (f"{name!r} is not an importable module name: a dot in a file or folder name (Python looks for "
                "each dotted part as a file or folder of its own): audited as a script, not a module of the "
                "import graph")
    if any(not part or "\\" in part for part in name.split(".")):
        return (f"{name!r} is not an importable module name: an empty name, or one with bytes that are not "
                "UTF-8 or characters shown escaped: audited as a script, not a module of the import graph")
    return None


def _shadowed(files: list[SourceFile]) -> list[Diagnostic]:
    """A module file beside a same-named package is dead code: Python loads the package."""
    packages = {f.module: f.path for f in files if f.is_package and f.is_module}
    return [Diagnostic(f.path, "shadowed-module", None, f"Python imports the package {packages[f.module]} for "
                       f"{f.module!r}, never this file") for f in files
            if f.is_module and not f.is_package and f.module in packages]
