DROP TABLE contracts;
DROP TABLE cooperation_requests;
