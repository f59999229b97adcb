"""A stock FastAPI app: OAuth2PasswordRequestForm at /token handing out a bearer
token, OAuth2PasswordBearer guarding /users/me, as FastAPI's security tutorial has it."""

from __future__ import annotations

import hashlib
import os
import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
_SALT = secrets.token_bytes(16)


def _hash(password: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), _SALT, 1000)


PASSWORDS: dict[str, bytes] = {os.environ["RECIPE_USERNAME"]: _hash(os.environ["RECIPE_PASSWORD"])}
TOKENS: dict[str, str] = {}  # token -> username


class NewUser(BaseModel):
    username: str
    password: str


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(user: NewUser) -> dict[str, str]:
    if user.username in PASSWORDS:
        raise HTTPException(status_code=409, detail="That username is taken")
    PASSWORDS[user.username] = _hash(user.password)
    return {"username": user.username}


@app.post("/token")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
    known = PASSWORDS.get(form.username)
    if known is None or not secrets.compare_digest(known, _hash(form.password)):
        raise HTTPException(status_code=400, detail="Incorrect username or password")
    token = secrets.token_urlsafe(24)
    TOKENS[token] = form.username
    return {"access_token": token, "token_type": "bearer"}


@app.get("/users/me")
def me(token: Annotated[str, Depends(oauth2_scheme)]) -> dict[str, str]:
    username = TOKENS.get(token)
    if username is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Invalid authentication credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return {"username": username}
