"""Graders: the tiny student-side ``Lab`` API and the instructor-side batch grader.

``from graders import Lab`` loads only the student side (``graders.lab``, ``graders.public_checks``,
``graders.datasets``); specs, scoring, keys and the sandbox are separate modules imported by the
instructor's tools alone.
"""

from graders.lab import Lab

__all__ = ["Lab"]
