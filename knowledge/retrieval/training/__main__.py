"""python -m knowledge.retrieval.training build [--out DIR] [--force]"""

import sys

from knowledge.retrieval.training.build import main

sys.exit(main(sys.argv[1:]))
