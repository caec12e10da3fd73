"""pydantic's messages become the product's: one short sentence per field."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError, field_validator

from erpgate.web.validation import human_message


class Sample(BaseModel):
    page: Annotated[int, Field(ge=1, le=100)] = 1
    name: Annotated[str, Field(min_length=1, max_length=5)] = "x"
    day: str | None = None

    @field_validator("day")
    @classmethod
    def _no_sundays(cls, value: str | None) -> str | None:
        if value == "sunday":
            raise ValueError("must not be a Sunday")
        return value


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"page": "two"}, "must be a whole number"),
        ({"page": "0"}, "must be 1 or more"),
        ({"page": "101"}, "must be 100 or less"),
        ({"name": ""}, "must not be empty"),
        ({"name": "toolong"}, "must be at most 5 characters"),
        ({"day": "sunday"}, "must not be a Sunday"),
    ],
)
def test_each_kind_of_error_reads_as_a_sentence(data: dict[str, str], words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(data)
    [error] = caught.value.errors()
    assert human_message(error) == words
