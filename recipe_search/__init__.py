"""The recipe searches that chose the `cpu` preset, kept beside the book and outside its science library.

``cglib`` holds what a page of the book computes.  The searches that picked the preset's recipe (the seed
search, the corner search, the sampler re-judgements, the trials before them) are recorded here: their
records (``results/``), the catalogue that says what remakes each record, on which machine and what it
decided (``catalog.py``), the verdict rules the searches applied (``verdicts.py``) and the scripts that
still run (``seed_search.py``, ``sampler_eval.py``).  A script whose options were retired from ``cglib`` is
named in the catalogue with the commit that holds it.  The appendix page ``book/research_log`` shows all of it.
"""
