"""Public question manifests (``<LAB>.json``): kinds, prompts and public checks only; no answers."""
