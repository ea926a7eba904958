"""One module per ``teachflow`` command group; each exposes ``register(subparsers)``."""
