DROP TABLE officers;
DROP FUNCTION officers_immutable_identity();
DROP SEQUENCE officer_user_code_seq;
