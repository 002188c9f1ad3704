"""Tags plugin: tags at /api/v1/tags, and the tags of posts.

Builds on nothing but `project.common`: it knows posts by id only
(`post_tags.post_id` references `posts.id` by table name). The posts plugin
is the integrator: it takes `tags` in its create and update schemas, calls
`project.tags.services` in the transaction of each post write, stores the
post's tag names in its own row (`services.joined`), filters its lists with
`services.tagged`, and shows each post's tags from that row
(`services.split_names`). Import direction: posts -> tags, never tags ->
posts (import-linter checks it).
"""

from project.tags.models import Tag, post_tags
from project.tags.routes import blp

__all__ = ["blp", "Tag", "post_tags"]
