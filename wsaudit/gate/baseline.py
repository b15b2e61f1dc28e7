"""The baseline file of ``wsaudit check``: the fingerprints of the accepted violations.

The file holds the entries sorted, with a version, the fingerprint scheme and a SHA-256
checksum of the entries, so that a damaged or hand-edited file is refused with one clear line
instead of silently accepting violations (:func:`parse_baseline`). Writing it is
deterministic (:func:`dump_baseline`) and atomic (:func:`write_baseline`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wsaudit.errors import InputError, OutputError
from wsaudit.gate.fingerprint import SCHEME, Finding, fingerprint_of
from wsaudit.iorw import atomic_write

BASELINE_KIND = "wsaudit-baseline"
BASELINE_VERSION = 1
ENTRY_FIELDS = ("fingerprint", "path", "rule_id", "category", "name", "occurrence", "statement")
_TOP_FIELDS = ("kind", "version", "scheme", "count", "checksum", "entries")


@dataclass(frozen=True)
class Entry:
    """One accepted violation in the baseline."""

    fingerprint: str
    path: str
    rule_id: str
    category: str
    name: str
    occurrence: int
    statement: str

    @classmethod
    def of(cls, finding: Finding) -> Entry:
        v = finding.violation
        return cls(finding.fingerprint, v.path, v.rule_id, v.category, v.name, finding.occurrence, finding.statement)

    def sort_key(self) -> tuple:
        return (self.path, self.rule_id, self.category, self.name, self.statement, self.occurrence)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ENTRY_FIELDS}


def _checksum(entries: list[dict[str, Any]]) -> str:
    canonical = json.dumps(entries, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def dump_baseline(entries: Iterable[Entry]) -> str:
    """The baseline file's text: deterministic (sorted entries, fixed key order, one trailing
    newline), with a checksum over the entries.

    >>> print(dump_baseline([]), end="")
    {
      "kind": "wsaudit-baseline",
      "version": 1,
      "scheme": "wsaudit/v1",
      "count": 0,
      "checksum": "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
      "entries": []
    }
    """
    rows = [e.as_dict() for e in sorted(set(entries), key=Entry.sort_key)]
    doc = {"kind": BASELINE_KIND, "version": BASELINE_VERSION, "scheme": SCHEME, "count": len(rows),
           "checksum": _checksum(rows), "entries": rows}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _invalid(shown: str, why: str) -> InputError:
    return InputError(f"{shown}: not a valid wsaudit baseline: {why} (restore it from version control, or "
                      f"delete it and run 'wsaudit check --baseline {shown} --update-baseline' to start afresh)")


def _strings(value: object, depth: int = 0):
    """Every string in a decoded JSON document (its depth is bounded by the decoder)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, depth + 1)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(text: str) -> bool:
    r"""Whether ``text`` holds a lone surrogate (JSON's ``\udXXX`` escapes can make one).

    >>> _has_surrogate("caf\u00e9"), _has_surrogate("x\ud800")
    (False, True)
    """
    return _SURROGATE.search(text) is not None


def parse_baseline(text: str, shown: str = "baseline") -> list[Entry]:
    """Validate a baseline file's text strictly; any damage or hand edit is an :class:`InputError`."""
    if not text.strip():
        raise _invalid(shown, "the file is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _invalid(shown, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # a 5,000-digit number, nesting 100,000 deep
        raise _invalid(shown, f"not a baseline's JSON ({type(exc).__name__})") from None
    if not isinstance(doc, dict) or doc.get("kind") != BASELINE_KIND:
        raise _invalid(shown, f'expected a JSON object with "kind": "{BASELINE_KIND}"')
    try:
        if any(_has_surrogate(v) for v in _strings(doc)):
            raise _invalid(shown, "a string holds a lone surrogate escape (\\udXXX): not text")
    except RecursionError:
        raise _invalid(shown, "nested too deeply") from None
    version = doc.get("version")
    if type(version) is int and version > BASELINE_VERSION:  # type-exact: true and 1.0 are not 1
        raise InputError(f"{shown}: baseline version {version} is newer than this wsaudit reads "
                         f"({BASELINE_VERSION}); upgrade wsaudit")
    if type(version) is not int or version != BASELINE_VERSION:
        raise _invalid(shown, f"unsupported version {version!r} (expected {BASELINE_VERSION})")
    if set(doc) != set(_TOP_FIELDS):
        extra, missing = sorted(set(doc) - set(_TOP_FIELDS)), sorted(set(_TOP_FIELDS) - set(doc))
        raise _invalid(shown, "; ".join(x for x in (f"unknown keys {extra}" if extra else "",
                                                    f"missing keys {missing}" if missing else "") if x))
    if type(doc["scheme"]) is not str or type(doc["checksum"]) is not str:
        raise _invalid(shown, '"scheme" and "checksum" must be strings')
    if doc["scheme"] != SCHEME:
        raise InputError(f"{shown}: baseline fingerprints use scheme {doc['scheme']!r}, this wsaudit uses "
                         f"{SCHEME!r}; regenerate it with 'wsaudit check --baseline {shown} --update-baseline "
                         f"--allow-new' on the commit it was made for")
    rows = doc["entries"]
    if not isinstance(rows, list):
        raise _invalid(shown, '"entries" must be a list')
    if type(doc["count"]) is not int or doc["count"] != len(rows):
        raise _invalid(shown, f'"count" says {doc["count"]!r} but there are {len(rows)} entries (edited by hand?)')
    if doc["checksum"] != _checksum(rows):
        raise _invalid(shown, "checksum mismatch: the entries were edited by hand or damaged")
    entries: list[Entry] = []
    for i, row in enumerate(rows):
        ok = (isinstance(row, dict) and set(row) == set(ENTRY_FIELDS)
              and all(isinstance(row[k], str) for k in ENTRY_FIELDS if k != "occurrence")
              and isinstance(row["occurrence"], int) and not isinstance(row["occurrence"], bool)
              and row["occurrence"] >= 0)
        if not ok:
            raise _invalid(shown, f"entry {i} does not have the fields {list(ENTRY_FIELDS)} with the right types")
        entry = Entry(**row)
        if entry.fingerprint != fingerprint_of(entry.path, entry.rule_id, entry.category, entry.name,
                                               entry.statement, entry.occurrence):
            raise _invalid(shown, f"entry {i} ({entry.path}) does not match its fingerprint")
        entries.append(entry)
    if len({e.fingerprint for e in entries}) != len(entries):
        raise _invalid(shown, "duplicate entries")
    return entries


def load_baseline(path: str | Path) -> list[Entry]:
    """Read and validate a baseline file."""
    shown = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{shown}: no such baseline (create one with 'wsaudit check PATH --baseline {shown} "
                         f"--update-baseline')") from None
    except IsADirectoryError:
        raise InputError(f"{shown}: is a folder, not a baseline file") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read the baseline: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid(shown, "not UTF-8 text") from None
    return parse_baseline(text, shown)


def write_baseline(path: str | Path, entries: Iterable[Entry]) -> None:
    """Write the baseline atomically (a reader never sees half of it).

    Parameters
    ----------
    path : str or Path
        The baseline file; its folder is created when missing.
    entries : iterable of Entry
        The accepted violations, in any order (:func:`dump_baseline` sorts them).

    Raises
    ------
    InputError
        When ``path`` exists and is not a regular file (a folder, a device, a pipe).
    """
    target = Path(path)
    # Refused rather than written into (as iorw.write_text does for /dev/stdout): the next run
    # must read the baseline back, and a device or a pipe would lose it.
    if target.exists() and not target.is_file():
        raise InputError(f"{path}: exists and is not a regular file; will not replace it with a baseline")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, dump_baseline(entries).encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from None
