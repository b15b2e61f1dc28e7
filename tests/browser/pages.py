"""What a reader's browser would show wrong on a report page: console errors, uncaught
exceptions, images that do not load or have no alt text, links that lead nowhere, and any
request that would need the network."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cdp import Browser

LOCAL_SCHEMES = ("file", "data", "about", "blob")

# Run in the page once it has loaded: its images, its links and its ids.
INSPECT = """(() => ({
  title: document.title,
  images: Array.from(document.images).map(i => ({src: i.src.slice(0, 60), ok: i.complete && i.naturalWidth > 0,
                                                 alt: i.getAttribute('alt') || ''})),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
  headings: Array.from(document.querySelectorAll('h1')).map(h => h.textContent.trim()),
}))()"""


@dataclass
class Page:
    """What one page held, and what was wrong with it."""

    url: str
    title: str = ""
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    headings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def open_tab(browser: Browser) -> str:
    """A new tab with the domains the check listens to; its session id."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.send(f"{domain}.enable", session=session)
    return session


def _event_problems(events: list[dict], session: str) -> list[str]:
    problems = []
    for event in events:
        if event.get("sessionId") != session:
            continue
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            problems.append(f"console {params['type']}: {text[:200]}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            problems.append(f"uncaught exception: {details.get('text', '')} "
                            f"{details.get('exception', {}).get('description', '')[:200]}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            problems.append(f"browser log error: {params['entry'].get('text', '')[:200]}")
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if urlsplit(url).scheme not in LOCAL_SCHEMES:
                problems.append(f"network request: {url[:200]}")
        elif method == "Network.loadingFailed" and params.get("type") != "Other":
            problems.append(f"failed to load a {params.get('type')}: {params.get('errorText')}")
    return problems


def visit(browser: Browser, session: str, path: Path, settle: float = 0.5) -> Page:
    """Load ``path`` in the tab and report what went wrong."""
    url = path.resolve().as_uri()
    start = len(browser.events)
    browser.send("Page.navigate", {"url": url}, session=session)
    browser.wait_for("Page.loadEventFired")
    browser.drain(settle)
    found = browser.send("Runtime.evaluate", {"expression": INSPECT, "returnByValue": True},
                         session=session)["result"]["value"]
    page = Page(url, found["title"], found["links"], set(found["ids"]), found["headings"])
    page.problems += _event_problems(browser.events[start:], session)
    for image in found["images"]:
        if not image["ok"]:
            page.problems.append(f"broken image: {image['src']}")
        if not image["alt"].strip():
            page.problems.append(f"image without alt text: {image['src']}")
    return page


def dead_links(pages: dict[str, Page]) -> list[str]:
    """Links to a file that does not exist or to an id that its page does not have; links that
    leave the report (another scheme) count as dead too: the report must stand on its own."""
    problems = []
    for page in pages.values():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme != "file":
                problems.append(f"{page.url}: link out of the report: {link}")
                continue
            target = Path(unquote(parts.path))
            if not target.is_file():
                problems.append(f"{page.url}: dead link: {link}")
                continue
            if parts.fragment:
                ids = pages[target.as_uri()].ids if target.as_uri() in pages else None
                if ids is not None and unquote(parts.fragment) not in ids:
                    problems.append(f"{page.url}: link to a missing anchor: {link}")
    return problems
