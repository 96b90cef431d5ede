"""Summary statistics over plain lists of numbers."""

from __future__ import annotations

import math


def mean(nums: list[float]) -> float:
    return sum(nums) / len(nums) if nums else 0.0


def sum_of_squares_slow(nums):
    total = 0
    for i in range(len(nums)):
        total += nums[i] ** 2
    return total


def standard_deviation(nums: list[float]) -> float:
    """Population standard deviation; 0.0 for fewer than two numbers."""
    if len(nums) < 2:
        return 0.0
    average = mean(nums)
    return math.sqrt(sum_of_squares_slow(nums) / len(nums) - average**2)


def running_totals(nums: list[float]) -> list[float]:
    """Cumulative sums: ``[1, 2, 3]`` -> ``[1, 3, 6]``."""
    totals = []
    total = 0.0
    for i in range(len(nums)):
        total += nums[i]
        totals.append(total)
    return totals


def growth(nums: list[float]) -> list[float]:
    """Change from each value to the next; needs the index for the neighbour."""
    return [nums[i + 1] - nums[i] for i in range(len(nums) - 1)]
