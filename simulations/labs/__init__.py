"""Lab tooling: releasing student notebooks from masters, running notebooks, and plot helpers.

Why a package: the labs (``labs/Lxx_*/master.py``) hold content; anything worth testing lives here
(``release`` turns a master into the student version and the instructor's files, ``execute`` runs a
notebook with overridden parameters, ``helpers`` draws the pictures the labs share).
"""
