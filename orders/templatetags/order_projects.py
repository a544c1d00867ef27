"""`{% order_project order as project %}`: the Xentral project an order goes to, for staff's
pages (orders/projects.py)."""

from django import template

from orders.projects import OrderProject
from orders.projects import order_project as project_of

register = template.Library()


@register.simple_tag
def order_project(order) -> OrderProject | None:
    return project_of(order=order)
