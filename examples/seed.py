# Slow function
def sum_of_squares_slow(nums:list)->int:
    total = 0
    for i in range(len(nums)):
        total += nums[i] ** 2 # access the array by index
    return total

# Faster version
def sum_of_squares_fast(nums:list)->int:
    total = 0
    for num in nums: # Uses efficient iterator protocol
        total += num ** 2
    return total
