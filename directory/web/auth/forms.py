"""The account forms."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from directory.accounts import users
from directory.config import REMEMBER_DAYS
from directory.web.forms import strip


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[DataRequired("Enter your email address."), Length(max=254)],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=1000)]
    )
    remember = BooleanField(
        f"Keep me signed in on this device for {REMEMBER_DAYS} days", default=False
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[DataRequired("Enter your email address."), Length(max=254)],
    )


def _new_password(_form: Any, field: Any) -> None:
    for problem in users.validate_password(field.data or ""):
        raise ValidationError(problem)


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password", validators=[DataRequired("Choose a password."), _new_password]
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[
            DataRequired("Type the password again."),
            EqualTo("password", "The passwords do not match."),
        ],
    )


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(
        "Code",
        filters=[strip],
        validators=[DataRequired("Enter the code."), Length(max=40, message="Enter the code.")],
    )


class TurnOffForm(FlaskForm):
    password = PasswordField(
        "Your password", validators=[DataRequired("Enter your password."), Length(max=1000)]
    )
    code = StringField(
        "Code from your authenticator app, or a recovery code",
        filters=[strip],
        validators=[DataRequired("Enter the code."), Length(max=40, message="Enter the code.")],
    )
