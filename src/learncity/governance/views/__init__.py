"""The committee's year as pages, one module per part (plans.py: work points, tasks, progress); urls.py mounts
them."""
