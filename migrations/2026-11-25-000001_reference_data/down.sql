DROP TABLE required_document_kinds;
DROP TABLE review_fees;
DROP TABLE degree_levels;
DROP TABLE fields_of_study;
DROP TABLE university_coverage;
DROP TABLE universities;
DROP TABLE cities;
DROP TABLE provinces;
