"""Graders: the tiny student-side ``Lab`` API and the instructor-side batch grader."""
