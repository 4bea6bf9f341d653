"""Imports and exports of business records as CSV, JSON or XLSX files (docs/import-export.md).

One mechanism for the `import` and `export` commands and the admin's Import/Export pages:

- `formats`: reading a file into rows that remember their line, and writing rows to a file;
- `resources`: the REGISTRY of resources (the API's path names), each validating a row with its API
  serializer and writing it, stock through the ledger;
- `engine`: one import in one transaction (all rows or none, a dry run, or the valid rows only) with
  a report per row, and exports;
- `admin`: the admin pages, on every registered model's changelist;
- `legacy`: `import_stocky`, the migration from the earlier Express-based Stocky's database.

Import the submodules where needed: they load the apps' serializers, so not at app-loading time.
"""
