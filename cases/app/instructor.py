# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %%
# The instructor page of the live classroom; all logic is in simulations.classroom.pages (tested there).
from simulations.classroom.pages import instructor_page

instructor_page()
