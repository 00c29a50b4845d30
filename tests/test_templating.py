"""The portal's Jinja environment reads ``mapping.key`` exactly as Jinja's own does."""

import jinja2
import pytest
from flask import Flask

from portal.templating import Environment

EXPRESSIONS = [
    "{{ d.total }}",
    "{{ d.items is callable }}",  # a dict method, even with an "items" key
    "{{ d.get('total') }}",
    "{{ d.missing is undefined }}",
    "{{ d.missing | default('none') }}",
    "{{ d.nested.deeper }}",
    "{{ d.nested.absent is undefined }}",
    "{{ d.ordered.key }}",
    "{% for k in d.keys() %}{{ k }} {% endfor %}",
    "{{ d['items'] }}",
]


class Ordered(dict):
    """A dict subclass: may carry attributes of its own, so it takes Jinja's own path."""

    key = "attribute"


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_same_result_as_jinja(source):
    data = {"total": 12345, "items": [1, 2], "nested": {"deeper": "yes"}, "ordered": Ordered(key="item")}
    ours = Environment(Flask(__name__), autoescape=True).from_string(source).render(d=data)
    theirs = jinja2.Environment(autoescape=True).from_string(source).render(d=data)
    assert ours == theirs


def test_the_app_uses_it(app):
    assert isinstance(app.jinja_env, Environment)
