"""The browse page: spaces, then a space's page tree, then a page rendered readably.

No authentication: the sandbox is meant for loopback, where a person looks at what would be
published. Macros show as labelled boxes; images and attachment links point at the files.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

from jinja2 import DictLoader, Environment, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from confsync.render.html import ChildPage, reader_css, storage_to_html
from confsync.sandbox.model import Page, SandboxError
from confsync.sandbox.pages import PageFilter
from confsync.sandbox.state import Sandbox

__all__ = ["routes"]

_LAYOUT = """<!doctype html><html><head><meta charset="utf-8"><title>{{ title }} · sandbox</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#172b4d}
a{color:#0052cc} nav{margin-bottom:1rem;color:#6b778c} ul.tree{list-style:none;padding-left:1.2rem}
.meta{color:#6b778c;font-size:.85rem}
.badge{display:inline-block;padding:0 .4em;border-radius:3px;font-size:.75rem;color:#de350b}
{{ reader_css }}
</style></head><body><nav><a href="/">Spaces</a>{% block nav %}{% endblock %}</nav>
{% block body %}{% endblock %}</body></html>"""

_SPACES = """{% extends "layout" %}{% block body %}<h1>Spaces</h1><ul>
{% for s in spaces %}<li><a href="/browse/{{ s.key }}">{{ s.name }}</a> ({{ s.key }})
{% if s.restricted_to %}<span class="badge">restricted</span>{% endif %}</li>{% endfor %}
</ul>{% endblock %}"""

_TREE = """{% extends "layout" %}{% block nav %} › {{ space.key }}{% endblock %}
{% block body %}<h1>{{ space.name }}</h1>{{ tree }}{% endblock %}"""

_PAGE = """{% extends "layout" %}{% block nav %} › <a href="/browse/{{ page.space_key }}">
{{ page.space_key }}</a>{% for a in ancestors %} ›
<a href="/browse/page/{{ a.id }}">{{ a.title }}</a>
{% endfor %}{% endblock %}{% block body %}<h1>{{ page.title }}
{% if page.status != "current" %}<span class="badge">{{ page.status }}</span>{% endif %}</h1>
<p class="meta">version {{ page.version.number }} · {{ page.version.created_at }}
{% if page.version.message %} · {{ page.version.message }}{% endif %}</p>
<div class="content">{{ content }}</div>
{% if attachments %}<h2>Attachments</h2><ul>{% for a in attachments %}
<li><a href="/browse/attachment/{{ a.id }}">{{ a.filename }}</a> (v{{ a.version.number }},
{{ a.size }} bytes{% if a.comment %}, {{ a.comment }}{% endif %})</li>{% endfor %}</ul>{% endif %}
{% if children %}<h2>Child pages</h2><ul>{% for c in children %}
<li><a href="/browse/page/{{ c.id }}">{{ c.title }}</a></li>{% endfor %}</ul>{% endif %}
{% endblock %}"""

_ENV = Environment(
    loader=DictLoader({"layout": _LAYOUT, "spaces": _SPACES, "tree": _TREE, "page": _PAGE}),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
# The one stylesheet of render.html's output: lozenges, panels and tasks look as in the preview.
_ENV.globals["reader_css"] = Markup(reader_css())


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def _not_found(what: str) -> HTMLResponse:
    return HTMLResponse(f"<h1>Not found</h1><p>{Markup.escape(what)}</p>", 404)


async def spaces(request: Request) -> Response:
    found = _sandbox(request).store.spaces(None)
    return HTMLResponse(_ENV.get_template("spaces").render(title="Spaces", spaces=found))


def _all_pages(sandbox: Sandbox, where: PageFilter) -> list[Page]:
    pages: list[Page] = []
    while True:
        batch, more = sandbox.pages.find(
            None, where, sort="child-position", offset=len(pages), limit=500
        )
        pages += batch
        if not more:
            return pages


def _tree(children: dict[int | None, list[Page]], parent: int | None) -> str:
    items = []
    for page in children.get(parent, []):
        link = f'<a href="/browse/page/{page.id}">{Markup.escape(page.title)}</a>'
        if page.status != "current":
            link += f' <span class="badge">{page.status}</span>'
        items.append(f"<li>{link}{_tree(children, page.id)}</li>")
    return f'<ul class="tree">{"".join(items)}</ul>' if items else ""


async def space_tree(request: Request) -> Response:
    sandbox = _sandbox(request)
    space = sandbox.store.space_by_key(request.path_params["key"])
    if space is None:
        return _not_found("No such space")
    pages = _all_pages(sandbox, PageFilter(space_ids=(space.id,), statuses=("current", "archived")))
    children: dict[int | None, list[Page]] = defaultdict(list)
    for page in pages:
        children[page.parent_id].append(page)
    tree = Markup(_tree(children, None))
    return HTMLResponse(_ENV.get_template("tree").render(title=space.name, space=space, tree=tree))


async def page_view(request: Request) -> Response:
    sandbox = _sandbox(request)
    try:
        page = sandbox.pages.get(None, int(request.path_params["page_id"]))
    except SandboxError:
        return _not_found("No such page")
    attachments, _ = sandbox.attachments.find(page.id, limit=500)
    by_name = {a.filename: f"/browse/attachment/{a.id}" for a in attachments}
    space_pages = {
        p.title: p.id for p in _all_pages(sandbox, PageFilter(space_ids=(page.space_id,)))
    }

    def page_link(title: str) -> str | None:
        target = space_pages.get(title)
        return f"/browse/page/{target}" if target is not None else None

    children = _all_pages(sandbox, PageFilter(parent_id=page.id))
    shown = [ChildPage(c.title, f"/browse/page/{c.id}") for c in children]
    content = Markup(storage_to_html(page.body, by_name.get, page_link, shown))
    html = _ENV.get_template("page").render(
        title=page.title,
        page=page,
        ancestors=sandbox.pages.ancestors(page),
        content=content,
        attachments=attachments,
        children=children,
    )
    return HTMLResponse(html)


async def attachment_file(request: Request) -> Response:
    sandbox = _sandbox(request)
    try:
        attachment = sandbox.attachments.get(int(request.path_params["attachment_id"]))
    except SandboxError:
        return _not_found("No such attachment")
    data = sandbox.attachments.data(attachment.id)
    disposition = f"inline; filename*=UTF-8''{quote(attachment.filename)}"
    return Response(
        data, media_type=attachment.media_type, headers={"Content-Disposition": disposition}
    )


async def viewpage(request: Request) -> Response:
    """``/pages/viewpage.action?pageId=N``, the link form Confluence and confsync print."""
    page_id = request.query_params.get("pageId", "")
    if not page_id.isdigit():
        return _not_found("No such page")
    return RedirectResponse(f"/browse/page/{page_id}", status_code=302)


def viewpage_routes(prefix: str) -> list[BaseRoute]:
    return [Route(f"{prefix}/pages/viewpage.action", viewpage, methods=["GET"])]


def routes() -> list[BaseRoute]:
    return [
        Route("/", spaces, methods=["GET"]),
        Route("/browse/page/{page_id:int}", page_view, methods=["GET"]),
        Route("/browse/attachment/{attachment_id:int}", attachment_file, methods=["GET"]),
        Route("/browse/{key}", space_tree, methods=["GET"]),
    ]
