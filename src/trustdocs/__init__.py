"""trustdocs: a static site generator for training courses."""
