"""Request models for the orders API (the only function that pays pydantic's import cost)."""

from __future__ import annotations

from decimal import Decimal

from aws_lambda_powertools.utilities.parser import BaseModel, Field
from pydantic import ConfigDict
from pydantic.alias_generators import to_camel
from shared.orders import CURRENCY, MAX_ITEMS, MAX_QTY


class _Strict(BaseModel):
    # strict: "2" is not a quantity; forbid: a misspelt field ("quantity") is an error, not silently dropped.
    # defer_build: pydantic builds a model's validator on its first use, not at import (a cold start serving a GET
    # never validates an order).
    model_config = ConfigDict(strict=True, extra="forbid", alias_generator=to_camel, frozen=True, defer_build=True)


class OrderLine(_Strict):
    sku: str = Field(min_length=1, max_length=64)
    qty: int = Field(gt=0, le=MAX_QTY)
    unit_price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)


class PlaceOrder(_Strict):
    customer_id: str = Field(min_length=1, max_length=128)
    items: list[OrderLine] = Field(min_length=1, max_length=MAX_ITEMS)
    currency: str = Field(pattern=CURRENCY.pattern)
