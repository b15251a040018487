"""The live classroom: role-play cases played in rounds by competing teams on paired worlds.

Why a package of small modules with no notebook code in it: every rule of the game (the case
schema, who may see and submit what, how a round advances, how teams are scored) must be tested
without a browser. The Voila pages in ``cases/app/`` only call :mod:`simulations.classroom.pages`.
"""
