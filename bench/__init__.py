"""Benchmarks: scripts that print measured figures (speed, quality, generalisation, load).

Run each as ``python bench/NAME.py --help``. A package so that scripts share modules such as
`bench.heldout_damage` through the editable install, without sys.path edits."""
