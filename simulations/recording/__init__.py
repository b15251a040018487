"""Recording: turning what the simulation did into datasets (students) and answer keys (instructors).

``recorder`` buffers each week's events; ``observable`` (with ``dirty``) is the only code that
builds student tables; ``truth`` builds the keys; ``dictionary`` declares every column once;
``generate`` ties them together; ``issue`` gives every student a dataset of their own.
"""

from simulations.recording.generate import GeneratedDataset, generate_dataset

__all__ = ["GeneratedDataset", "generate_dataset"]
