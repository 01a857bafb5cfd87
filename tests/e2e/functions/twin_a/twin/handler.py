"""Returns which ``shared`` package it imported: each function must see its own."""

import shared


def handler(event, context):
    return {"shared": shared.NAME}
