DROP INDEX events_occurred_idx;
DROP TABLE deficiencies;
DROP TABLE documents;
DROP TABLE qualification_requests;
