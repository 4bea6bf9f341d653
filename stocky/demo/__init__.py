"""The demo workshop that `manage.py seed_demo` creates: data.py, seed.py (through the services), scale.py (bulk)."""
