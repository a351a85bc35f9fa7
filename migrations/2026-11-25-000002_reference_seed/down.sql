-- Remove the reference rows of up.sql, in reverse dependency order.
DELETE FROM required_document_kinds;
DELETE FROM review_fees;
DELETE FROM degree_levels;
DELETE FROM fields_of_study;
DELETE FROM university_coverage;
DELETE FROM universities;
DELETE FROM cities;
DELETE FROM provinces;
