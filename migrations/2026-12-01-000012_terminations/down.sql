DROP TABLE termination_requests;
