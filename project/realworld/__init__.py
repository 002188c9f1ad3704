"""RealWorld plugin: the RealWorld ("Conduit") API at /api, over Postwell's own data.

An adapter, not a second application: articles are published posts,
favourites are likes, follows are follows, comments are comments, tags are
tags and profiles are users, each written through the plugin that owns it
(so it builds on every one of them and comes after them in PLUGINS).

What it adds, and owns:
* the `realworld_slugs` table (an article's slug, stable across title edits);
* RealWorld's conventions on its blueprint only: the `Token` scheme
  (`project.realworld.auth`) and the `{"errors": ...}` body
  (`project.realworld.errors`), while /api/v1 keeps Bearer and problem+json.

Hooks it installs in the app (see `init_app`):
* a `project.posts.services.post_created` receiver that gives every new post
  its slug in the transaction that creates it (posts written while the
  plugin was off get theirs when the API first shows them);
* the `realWorldToken` security scheme in the OpenAPI document, and the path
  converters of its routes (`project.realworld.converters`).
"""

from flask import Flask, current_app

from project.posts.models import Post
from project.posts.services import post_created
from project.realworld import auth, errors, services
from project.realworld.converters import CONVERTERS
from project.realworld.models import ArticleSlug
from project.realworld.routes import blp

__all__ = ["blp", "init_app", "ArticleSlug"]

ENABLED_KEY = "postwell_realworld"


def slug_new_post(post: Post, **extra) -> None:
    """`post_created`: blinker receivers are process-wide; act only in apps with this plugin."""
    if current_app.extensions.get(ENABLED_KEY):
        services.assign_slug(post)


blp.before_request(auth.accept_token_scheme)
errors.init_blueprint(blp)


def init_app(app: Flask) -> None:
    app.extensions[ENABLED_KEY] = True
    post_created.connect(slug_new_post)
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    for name, (converter, schema) in CONVERTERS.items():
        app.url_map.converters[name] = converter
        api.register_converter(converter, lambda _converter, schema=schema: schema)
    api.spec.components.security_scheme(auth.SECURITY_SCHEME, auth.SECURITY_SCHEME_SPEC)
