"""The stand-in's GraphQL schema: `schema.graphql` (Centra's documented types, each citing its
page) built once with graphql-core. Executable parts (resolvers, scalars) live in `graph.py`."""

from functools import cache
from pathlib import Path

from graphql import GraphQLSchema, build_schema

SDL_PATH = Path(__file__).with_name("schema.graphql")


def sdl() -> str:
    return SDL_PATH.read_text(encoding="utf-8")


@cache
def schema() -> GraphQLSchema:
    return build_schema(sdl())
