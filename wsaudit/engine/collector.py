"""The cyclic garbage collector paused around bulk work of our own (parses, records, decoding).

A parse builds a syntax tree of many tracked objects that reference counting frees; a
collection in the middle only walks them again. See :func:`collection_paused` for what may
run paused and what may not.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for the block (then restored as it was).

    For work of our own that allocates many tracked objects that live on or are freed by
    reference counting: a syntax tree while it is parsed, the import records, the facts decoded
    from the cache. Every collection meanwhile walks them again, for nothing (20-25% of the
    parse time of pandas' files). Any cycle made meanwhile is collected by the first collection
    after it, so it must not hold other code's work: the executor's loop over the workers'
    results, paused, kept its garbage (and the chunks' bytes) alive to the end of the batch.

    >>> with collection_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        # The collection that is due now, at once: left to the next allocation of a tracked
        # object, it may never come in a loop that pauses again before one (a loop over
        # parses), and the cycles of every parse pile up (pandas with --jobs 1: 109 -> 278 MB).
        if gc.get_count()[0] > gc.get_threshold()[0]:
            gc.collect(0)


def uncollected(parse: Callable[[bytes], T], data: bytes) -> T:
    """``parse(data)`` with the cyclic garbage collector paused (:func:`collection_paused`).

    >>> from wsaudit.engine.parse import parse_source
    >>> uncollected(parse_source, b"import a\\n").imports[0].names, gc.isenabled()
    ((('a', None),), True)
    """
    with collection_paused():
        return parse(data)
