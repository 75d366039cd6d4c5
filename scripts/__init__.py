"""Project tooling: run the whole assistant, prepare data, evaluate."""
