DROP TABLE legacy_assignments;
DROP TABLE legacy_distributors;
DROP TABLE legacy_officers;
