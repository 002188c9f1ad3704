"""/api/v1/tags: the tags of published posts, most used first."""

from __future__ import annotations

from flask.views import MethodView

from project.common.blueprint import Blueprint
from project.common.response_cache import cached
from project.tags import services
from project.tags.schemas import TagQuerySchema, TagSchema

blp = Blueprint("tags", __name__, url_prefix="/api/v1/tags", description="Tags")


@blp.route("")
class Tags(MethodView):
    @cached("posts")  # a tag's count changes with the posts carrying it
    @blp.arguments(TagQuerySchema, location="query")
    @blp.page_response(TagSchema)
    def get(self, query):
        """List the tags of published posts, most used first"""
        return services.list_tags(page=query["page"])
