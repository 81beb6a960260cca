"""Where a diagram's image goes, named as sphinx.ext.graphviz names it.

Every way a diagram is drawn (one ``dot`` run when its page is written, or a
batch of the speed layer ahead of it) puts the image under the name
``render_dot`` would give it, so that sphinx.ext.graphviz's visitors, its cache
and a later build all find the same file.
"""

from __future__ import annotations

import posixpath
from hashlib import sha1
from typing import TYPE_CHECKING, Any

from sphinx.util.osutil import relative_uri

if TYPE_CHECKING:
    from sphinx.builders import Builder

#: The attribute the dry run gives each diagram it rendered: the path of its image,
#: which the visitors then take as sphinx.ext.graphviz's ``render_dot`` would name it.
DRAWN_AS = "ldm503_image"


def image_name(builder: Builder, code: str, options: dict[str, Any], fmt: str) -> str:
    """The file name sphinx.ext.graphviz's ``render_dot`` gives a diagram's image."""
    hashkey = "".join((
        code, str(options), str(options.get("graphviz_dot", builder.config.graphviz_dot)),
        str(builder.config.graphviz_dot_args),
    )).encode()
    return f"graphviz-{sha1(hashkey, usedforsecurity=False).hexdigest()}.{fmt}"


def image_path(builder: Builder, docname: str) -> str:
    """The builder's ``imgpath`` while it writes ``docname`` (set only then)."""
    return relative_uri(builder.get_target_uri(docname), builder.imagedir)


def relink_dirs(builder: Builder, docname: str) -> tuple[str, str]:
    """(page directory, images directory) for links dot wrote on ``docname``'s page:
    sphinx.ext.graphviz makes them relative to the images, as the file is loaded
    from there (the same from any page showing it)."""
    page_dir = posixpath.dirname(builder.get_target_uri(docname))
    return page_dir, posixpath.normpath(posixpath.join(page_dir, image_path(builder, docname)))
