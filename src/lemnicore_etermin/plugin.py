"""The eTermin plugin: registered through the ``lemnicore`` entry-point group like any
third-party plugin."""

from __future__ import annotations
