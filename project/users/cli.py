"""`flask users ...` commands."""

from __future__ import annotations

import click
import marshmallow as ma
from flask.cli import AppGroup

from project.common.cli import field_errors_message
from project.common.exceptions import DomainError
from project.users import services
from project.users.schemas import UserCreateSchema

users_cli = AppGroup("users", help="Manage users.")


@users_cli.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--email", prompt=True)
@click.password_option(help="Prompted for (twice) when not given.")
def create_admin(username: str, email: str, password: str) -> None:
    """Create a user with admin rights."""
    try:
        data = UserCreateSchema().load({"username": username, "email": email, "password": password})
    except ma.ValidationError as exc:
        raise click.ClickException("invalid input:\n" + field_errors_message(exc.messages)) from exc
    try:
        user = services.create_user(data=data, is_admin=True)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"Created admin {user.username!r} (id {user.id}).")
