from simulations.cli import run

run()
