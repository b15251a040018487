"""Mechanisms of the customer lifecycle, one per module, each a few functions over arrays.

They read the population and the scenario, draw from their own random stream, change the
population in place and note what happened in the week's log. They never write files or print.
"""
