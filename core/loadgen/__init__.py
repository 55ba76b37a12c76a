"""Synthetic national-scale data for benchmarks (manage.py generate_load_data). Never real people."""
