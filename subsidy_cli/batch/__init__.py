"""Batch runs: blocks of whole CSV rows, encodings, the fast row scorer, worker processes, output files."""
