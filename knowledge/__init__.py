"""The legal knowledge base: statute texts, curated entries, the retriever over them, and the services' rules.

A plain library: it knows nothing of the web layer or of the dialogue engine.

Conventions a newcomer can rely on:
- Every data file is read through `datafile` (`load_yaml_model`, or `read_yaml` inside `naming`),
  so a wrong file fails at load with its name; data-file models derive from `datafile.Frozen`.
- A service's data file has a schema `<Service>File`, an engine `<Service>Rules` and a path
  `<SERVICE>_FILE` (legal_aid/, notarization/, mediation.py; offices.py and roster.py keep
  `Offices`/`Roster` as engines over `OfficesFile`/`RosterFile`).
- Residents' words are matched after `matching.fold` / `matching.compact`, never a local normalizer.
- A process builds the office's service data once at start with `office_data.OfficeData.load()`.
"""
