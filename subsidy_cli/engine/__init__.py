"""Judgement: conditions and amounts applied to a profile, statuses, totals, explanations, comparisons."""
