"""Practice feedback per lab for the committed practice datasets (written by ``graders.practice.export_practice``)."""
